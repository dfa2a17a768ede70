package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.testsupport.Worker;

/**
 * Entering a code without Strings: {@link JLineSecretReader} reads keys into a {@code char[]} (editing keys work,
 * nothing is echoed), {@link CardArgs#code(String, char[])} parses it as {@link CardArgs#code(String, CharSequence)}
 * does a typed argument, and {@link CardErrors#holdsSecret} finds a code in a message in every spelling.
 */
class SecretEntryTest {

    /**
     * What {@link JLineSecretReader} reads from these keys, and what the screen showed; the keyboard's input ends
     * after the keys when {@code end}, else it waits for more.
     */
    private static String[] typed(String keys, boolean end) throws IOException {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Keyboard keyboard = new Keyboard();
        // typed once the prompt shows, as a person would: the terminal itself echoes what is typed ahead
        Worker.start("typist", () -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!screen.toString(StandardCharsets.UTF_8).contains("Enter PIN 1: ")
                    && System.nanoTime() < deadline) {
                sleep();
            }
            keyboard.type(keys);
            if (end) {
                keyboard.close();
            }
            return null;
        });
        char[] chars;
        try (Terminal terminal = TerminalBuilder.builder().system(false).type("xterm").encoding(StandardCharsets.UTF_8)
                .streams(keyboard, screen).size(new Size(80, 24)).build()) {
            LineReader console = LineReaderBuilder.builder().terminal(terminal).build();
            chars = JLineSecretReader.read(console, "Enter PIN 1: ");
            terminal.flush();
        } finally {
            keyboard.close();
        }
        return new String[] {new String(chars), screen.toString(StandardCharsets.UTF_8)};
    }

    /** Keys as a terminal's input: reading waits for the next key, as with a person at a keyboard. */
    private static final class Keyboard extends InputStream {
        private final BlockingQueue<Integer> keys = new LinkedBlockingQueue<>();

        void type(String text) {
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                keys.add(b & 0xFF);
            }
        }

        @Override
        public int read() throws IOException {
            try {
                int key = keys.take();
                if (key < 0) {
                    keys.add(key); // the end stays the end
                }
                return key;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            }
        }

        @Override
        public int available() {
            return keys.size();
        }

        /** Ends the input. */
        @Override
        public void close() {
            keys.add(-1);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String[] typed(String keys) throws IOException {
        return typed(keys, false);
    }

    @Test
    void readsTheKeysWithoutEchoAndHonoursEditingKeys() throws IOException {
        String[] plain = typed("1234\r");
        assertThat(plain[0]).isEqualTo("1234");
        assertThat(plain[1]).contains("Enter PIN 1: ").doesNotContain("1234", "*");
        assertThat(typed("12X\u007f34\r")[0]).isEqualTo("1234");
        assertThat(typed("12X\b34\r")[0]).isEqualTo("1234");
        assertThat(typed("99\u001556\r")[0]).isEqualTo("56");
        assertThat(typed("\u001b[A1\u001b[1;5C2\u001bOP3\r")[0]).isEqualTo("123");
        assertThat(typed("é'!\" x\n")[0]).isEqualTo("é'!\" x");
        assertThat(typed("0123456789012345678901234567890123456789ab\r")[0])
                .isEqualTo("0123456789012345678901234567890123456789ab");
        assertThat(typed("\r")[0]).isEmpty();
    }

    @Test
    void ctrlCAndTheEndOfInputCancel() {
        for (String keys : new String[] {"12\u0003", "\u0004", "12"}) {
            assertThatExceptionOfType(SCardException.class).as(keys).isThrownBy(() -> typed(keys, true))
                    .satisfies(e -> assertThat(e.code()).isEqualTo(HResult.SCARD_W_CANCELLED_BY_USER))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("12"));
        }
    }

    @Test
    void anInterruptOfTheCommandCancelsTheEntry() throws Exception {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Keyboard keyboard = new Keyboard();
        try (Terminal terminal = TerminalBuilder.builder().system(false).type("xterm").encoding(StandardCharsets.UTF_8)
                .streams(keyboard, screen).size(new Size(80, 24)).build()) {
            LineReader console = LineReaderBuilder.builder().terminal(terminal).build();
            Worker<char[]> command = Worker.start("command", () -> JLineSecretReader.read(console, "Enter PIN 1: "));
            keyboard.type("12");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!screen.toString(StandardCharsets.UTF_8).contains("Enter PIN 1: ")
                    && System.nanoTime() < deadline) {
                sleep();
            }
            command.thread().interrupt(); // what the console does on Ctrl-C while a command runs
            assertThat(command.failure(Duration.ofSeconds(10))).isInstanceOfSatisfying(SCardException.class,
                    e -> assertThat(e.code()).isEqualTo(HResult.SCARD_W_CANCELLED_BY_USER))
                    .hasMessageNotContaining("12");
        } finally {
            keyboard.close();
        }
    }

    @Test
    void aCodeTypedAtThePromptParsesAsTheSameArgument() {
        for (String code : new String[] {"1234", "hex:31323334", "HEX:31 32:33 34", "31:32:33:34", "é1", "a:b",
                "12:34:5"}) {
            assertThat(CardArgs.code("PIN", code.toCharArray())).as(code).isEqualTo(CardArgs.code("PIN", code));
        }
        assertThat(CardArgs.code("PIN", "hex:31323334")).containsExactly(0x31, 0x32, 0x33, 0x34);
        assertThat(CardArgs.code("PIN", "31:32:33:34".toCharArray())).containsExactly(0x31, 0x32, 0x33, 0x34);
        assertThat(CardArgs.code("PIN", "é1")).containsExactly(0xC3, 0xA9, 0x31);
        assertThat(CardArgs.code("PIN", "a\uD800b")).containsExactly('a', '?', 'b');
        assertThat(CardArgs.code("PIN", "12:34:5")).isEqualTo("12:34:5".getBytes(StandardCharsets.UTF_8));
        for (String bad : new String[] {"hex:3Z", "hex:313", "3Z:32", "hex:ab\u0663\u0663"}) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> CardArgs.code("PIN", bad.toCharArray()))
                    .withMessageContaining("the PIN is not valid hex").withMessageNotContaining(bad.substring(4));
        }
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.code("PUK", "hex: :".toCharArray()))
                .withMessageStartingWith("empty PUK after hex:");
        assertThatIllegalArgumentException().isThrownBy(() -> CardArgs.code("PUK", new char[0]))
                .withMessageStartingWith("empty PUK");
    }

    @Test
    void aSecretIsFoundInAMessageInEverySpelling() {
        byte[] pin = "12ab".getBytes(StandardCharsets.US_ASCII);
        for (String message : new String[] {"wrong 12ab", "wrong 12AB!", "data 31326162", "DATA 31 32 61 62 end",
                "31:32:61:62", "x3132616"  + "2"}) {
            assertThat(CardErrors.holdsSecret(message, new byte[0], pin)).as(message).isTrue();
        }
        for (String message : new String[] {"wrong 12a", "3132 6162", "31:32:61", "31-32-61-62", ""}) {
            assertThat(CardErrors.holdsSecret(message, null, pin)).as(message).isFalse();
        }
    }
}
