package dev.scard.shell;

import java.util.Arrays;
import java.util.Locale;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardManage;
import dev.scard.shell.text.CommandUsage;

/**
 * The authentication commands of the {@code scard:} scope: {@code challenge} (GET CHALLENGE) and
 * {@code auth internal|external} (INTERNAL and EXTERNAL AUTHENTICATE). They use one {@link ISCardAuth} per
 * attachment of the session ({@link ISCardManage#createCardAuth()}), made on first use and dropped with the
 * attachment.
 *
 * <p>The key reference goes to the card as P2 (the first byte of the API's {@code param}), the algorithm
 * reference ({@code -a}, default 0: the one the card knows for the key) as P1.
 */
@Component(service = AuthCommands.class, immediate = true)
@GogoCommand(scope = "scard", function = {"challenge", "auth"})
public class AuthCommands {

    /** The challenge length when none is given, as opensc-explorer's get_challenge uses. */
    static final String DEFAULT_CHALLENGE = "8";

    private final ScardCommands commands;

    /** @param commands the {@code scard:} commands, which hold the sessions' attachments */
    @Activate
    public AuthCommands(@Reference ScardCommands commands) {
        this.commands = commands;
    }

    private ISCardAuth auth(CommandSession session, String context) {
        return commands.perAttachment(session, ISCardAuth.class,
                manager -> CardErrors.call(context, manager::createCardAuth));
    }

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CHALLENGE_SUMMARY = "ask the card for random bytes (GetChallenge, GET CHALLENGE); an EXTERNAL"
            + " AUTHENTICATE answers the last challenge";
    /** The command's usage line, options and arguments. */
    static final String CHALLENGE_DETAILS = "Usage: scard:challenge [--] [<length>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<length>]  how many bytes, 1 to 256 (default " + DEFAULT_CHALLENGE + ")\n";
    static final String CHALLENGE_USAGE = CHALLENGE_SUMMARY + "\n" + CHALLENGE_DETAILS;

    static final CommandUsage CHALLENGE = CommandUsage.of("scard:challenge", CHALLENGE_USAGE);

    /**
     * {@code scard:challenge}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #CHALLENGE_USAGE} says
     * @return the challenge, or null after {@code --help}
     */
    @Descriptor(CHALLENGE_SUMMARY)
    public Object challenge(CommandSession session, @Descriptor(CHALLENGE_DETAILS) CharSequence... words) {
        return CHALLENGE.run(session, words, w -> w.count() == 0 ? challenge(session) : challenge(session, w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String AUTH_SUMMARY = "authenticate with a key on the card: 'internal' has the card transform the data"
            + " (ICC_Auth, INTERNAL AUTHENTICATE) and prints its cryptogram; 'external' proves to the card that the data"
            + " was made with the key (APP_Auth, EXTERNAL AUTHENTICATE), typically the last challenge encrypted";
    /** The command's usage line, options and arguments. */
    static final String AUTH_DETAILS = "Usage: scard:auth [options] [--] <mode> <key> <hex>...\n"
            + "Options:\n"
            + "  -a, --algorithm <algorithm>  the algorithm reference (P1), decimal or 0x hex; 0 (default): the key's"
            + " own\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <mode>  internal or external\n"
            + "  <key>  the key reference (P2), decimal or 0x hex, 0 to 255\n"
            + "  <hex>...  the data in hex; bytes may be separated by spaces or ':'\n";
    static final String AUTH_USAGE = AUTH_SUMMARY + "\n" + AUTH_DETAILS;

    static final CommandUsage AUTH = CommandUsage.of("scard:auth", AUTH_USAGE);

    /**
     * {@code scard:auth}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #AUTH_USAGE} says
     * @return what the card answered, or null after {@code --help}
     */
    @Descriptor(AUTH_SUMMARY)
    public Object auth(CommandSession session, @Descriptor(AUTH_DETAILS) CharSequence... words) {
        return AUTH.run(session, words, w -> auth(session, w.option("--algorithm", "0"), w.argument(0), w.argument(1), w.from(2)));
    }

    String challenge(CommandSession session) {
        return challenge(session, DEFAULT_CHALLENGE);
    }

    String challenge(CommandSession session, String length) {
        int n = (int) CardArgs.number(length, "challenge length", 1, 256);
        String context = "challenge " + n;
        ISCardAuth auth = auth(session, context);
        byte[] challenge = CardErrors.call(context, () -> auth.getChallenge(0, n, new byte[0]));
        return "Challenge (" + bytes(challenge.length) + "): " + Formats.hex(challenge);
    }

    String auth(CommandSession session, String algorithm, String mode, String keyRef, String... hex) {
        String how = mode == null ? "" : mode.strip().toLowerCase(Locale.ROOT);
        if (!how.equals("internal") && !how.equals("external")) {
            throw ShellFailures.badInput("unknown authentication '" + CommandUsage.shown(mode)
                    + "' (use internal or external)");
        }
        int key = (int) CardArgs.number(keyRef, "key reference", 0, 0xFF);
        int algo = (int) CardArgs.number(algorithm, "algorithm reference", 0, 0xFF);
        byte[] data = HexInput.parse("data", hex);
        try {
            String context = "auth " + how + " key " + key;
            ISCardAuth auth = auth(session, context);
            byte[] param = {(byte) key};
            if (how.equals("internal")) {
                byte[] cryptogram = CardErrors.call(context, () -> auth.iccAuth(algo, param, data));
                return "Cryptogram (" + bytes(cryptogram.length) + "): " + Formats.hex(cryptogram);
            }
            CardErrors.run(context, () -> auth.appAuth(algo, param, data));
            return "External authentication with key " + key + " accepted";
        } finally {
            Arrays.fill(data, (byte) 0); // an external authentication's cryptogram proves the key
        }
    }

    private static String bytes(int n) {
        return n + (n == 1 ? " byte" : " bytes");
    }
}
