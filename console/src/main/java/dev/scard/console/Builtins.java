package dev.scard.console;

import java.math.BigDecimal;
import java.util.concurrent.TimeUnit;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;

/**
 * The two shell built-ins scripts need that gogo.runtime and gogo.command lack (they come with gogo.shell
 * or gogo.jline, which the distribution does not run).
 */
@Component(service = Builtins.class)
@GogoCommand(scope = "gogo", function = {"echo", "sleep"})
public class Builtins {

    /** The longest {@code sleep} accepts: one day. */
    static final long MAX_SLEEP_SECONDS = TimeUnit.DAYS.toSeconds(1);

    /**
     * {@code echo a b c}: its arguments joined by single spaces.
     *
     * @param words the words
     * @return the words joined by single spaces (empty when there are none)
     */
    @Descriptor("returns its arguments separated by single spaces")
    public String echo(@Descriptor("the words to return") Object... words) {
        StringBuilder text = new StringBuilder();
        for (Object word : words) {
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(word);
        }
        return text.toString();
    }

    /**
     * {@code sleep 1.5}: waits, interruptibly (Ctrl-C at the prompt).
     *
     * @param seconds how long, in seconds (decimals allowed), from 0 to one day
     * @throws InterruptedException when interrupted
     */
    @Descriptor("waits the given number of seconds (decimals allowed); Ctrl-C interrupts")
    public void sleep(@Descriptor("seconds to wait, e.g. 0.5") String seconds) throws InterruptedException {
        Thread.sleep(toMillis(seconds));
    }

    static long toMillis(String seconds) {
        BigDecimal value;
        try {
            value = new BigDecimal(seconds.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sleep: '" + seconds + "' is not a number of seconds");
        }
        if (value.signum() < 0 || value.compareTo(BigDecimal.valueOf(MAX_SLEEP_SECONDS)) > 0) {
            throw new IllegalArgumentException(
                "sleep: " + seconds + " is out of range (0 to " + MAX_SLEEP_SECONDS + " seconds)");
        }
        return value.movePointRight(3).longValue();
    }
}
