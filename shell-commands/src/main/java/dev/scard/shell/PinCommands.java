package dev.scard.shell;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.shell.text.CommandUsage;

/**
 * The PIN commands of the {@code scard:} scope: {@code verify}, {@code change} and {@code unblock}, as in
 * opensc-explorer. They use one {@link ISCardVerify} per attachment of the session
 * ({@link ISCardManage#createCHVerification()}), made on first use and dropped with the attachment.
 *
 * <p><b>References</b>: {@code 1} to {@code 31} name a global PIN; bit 8 set ({@code 0x81}, or {@code 129})
 * names a local PIN of the current DF; {@code CHV1} is accepted too.
 *
 * <p><b>Codes</b> (PINs and PUKs) given as arguments are text ({@code 1234}: its UTF-8 bytes) or hex
 * ({@code hex:31323334}, {@code 31:32:33:34}). A code left out is read from the session's terminal without echo
 * ({@link SecretPrompt}); a session without an interactive terminal ({@code -c}, piped input) fails at once and
 * asks for the code as an argument, before anything is sent to the card. Codes never appear in output or in an
 * error message, and the bytes are wiped after use.
 *
 * <p><b>Keeping codes out of Strings</b>: a code typed at the prompt goes from the terminal into a {@code char[]},
 * then into a {@code byte[]}, and both are cleared when the command ends; no String of it is made (on a
 * gogo-jline console; Karaf's prompt API answers a String). A code given as an argument reaches the command as a
 * String made by Gogo, which nothing can clear: it is turned into bytes at once and copied nowhere else, but that
 * String stays in memory until it is collected. Leave the code out to be asked for it.
 */
@Component(service = PinCommands.class, immediate = true)
@GogoCommand(scope = "scard", function = {"verify", "change", "unblock", "userauth", "logout"})
public class PinCommands {

    /**
     * The {@code userData} of {@link ISCardManage#createInterface} with which the card services' {@code ISCardVerify}
     * asks a PIN's state (IHV_CHECKONLY) even where that may cost a try.
     */
    static final String FORCE_STATUS_QUERY = "IHV_CHECKONLY:force";

    private static final String REF = "the PIN reference: 1 to 31 (global), 0x81 to 0x9F for a local PIN of the"
            + " current DF; CHV1 is accepted too";
    private static final String CODE = "text (1234) or hex (hex:31323334 or 31:32:33:34); left out, it is asked"
            + " for without echo, which keeps it out of Strings in memory (an argument cannot be cleared)";

    private final ScardCommands commands;
    private final SecretPrompt.Reader prompt;

    /** @param commands the {@code scard:} commands, which hold the sessions' attachments */
    @Activate
    public PinCommands(@Reference ScardCommands commands) {
        this(commands, SecretPrompt::read);
    }

    /** With another way to ask for codes (tests). */
    PinCommands(ScardCommands commands, SecretPrompt.Reader prompt) {
        this.commands = commands;
        this.prompt = prompt;
    }

    private ISCardVerify verifier(CommandSession session, String context) {
        return commands.perAttachment(session, ISCardVerify.class,
                manager -> CardErrors.call(context, manager::createCHVerification));
    }

    // ------------------------------------------------------------------------------------------------ verify

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String VERIFY_SUMMARY = "present a PIN to the card (Verify), asking for it without echo when it is left"
            + " out; with -c only show whether the PIN is verified and how many tries are left. -c asks the card only"
            + " where that cannot cost a try: ISO 7816-4's status query (an empty VERIFY) is sent only to a card that"
            + " has shown it does not count it (it answered 'verified', or the same count of tries twice: after a"
            + " wrong PIN, or two forced checks); elsewhere -c says the state cannot be asked without risking a try."
            + " -c --force asks anyway: on a card that counts the query (cards in the field do) it costs a try";
    /** The command's usage line, options and arguments. */
    static final String VERIFY_DETAILS = "Usage: scard:verify [options] [--] <reference> [<pin>]\n"
            + "Options:\n"
            + "  -c, --check  only show the PIN's state; send no PIN\n"
            + "  -f, --force  with -c: ask the card even where the query may cost a try\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <reference>  " + REF + "\n"
            + "  [<pin>]  the PIN: " + CODE + "\n";
    static final String VERIFY_USAGE = VERIFY_SUMMARY + "\n" + VERIFY_DETAILS;

    static final CommandUsage VERIFY = CommandUsage.of("scard:verify", VERIFY_USAGE);

    /**
     * {@code scard:verify}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #VERIFY_USAGE} says
     * @return what the card said, or null after {@code --help}
     */
    @Descriptor(VERIFY_SUMMARY)
    public Object verify(CommandSession session, @Descriptor(VERIFY_DETAILS) CharSequence... words) {
        return VERIFY.run(session, words, w -> w.count() == 1
            ? verify(session, w.flag("--check"), w.flag("--force"), w.argument(0))
            : verify(session, w.flag("--check"), w.flag("--force"), w.argument(0), w.argument(1)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CHANGE_SUMMARY = "change a PIN (ChangeCode); the codes left out are asked for without echo (the"
            + " new one twice)";
    /** The command's usage line, options and arguments. */
    static final String CHANGE_DETAILS = "Usage: scard:change [--] <reference> [<current>] [<new>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <reference>  " + REF + "\n"
            + "  [<current>]  the current PIN: " + CODE + "\n"
            + "  [<new>]  the new PIN: text or hex, as the current one\n";
    static final String CHANGE_USAGE = CHANGE_SUMMARY + "\n" + CHANGE_DETAILS;

    static final CommandUsage CHANGE = CommandUsage.of("scard:change", CHANGE_USAGE);

    /**
     * {@code scard:change}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #CHANGE_USAGE} says
     * @return what was changed, or null after {@code --help}
     */
    @Descriptor(CHANGE_SUMMARY)
    public Object change(CommandSession session, @Descriptor(CHANGE_DETAILS) CharSequence... words) {
        return CHANGE.run(session, words, w -> w.count() == 1 ? change(session, w.argument(0))
            : w.count() == 2 ? change(session, w.argument(0), w.argument(1))
            : change(session, w.argument(0), w.argument(1), w.argument(2)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String UNBLOCK_SUMMARY = "unblock a PIN with its PUK (Unblock, RESET RETRY COUNTER), keeping the current"
            + " PIN or setting a new one; the codes left out are asked for without echo (an empty new PIN keeps the"
            + " current one)";
    /** The command's usage line, options and arguments. */
    static final String UNBLOCK_DETAILS = "Usage: scard:unblock [--] <reference> [<puk>] [<new>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <reference>  " + REF + "\n"
            + "  [<puk>]  the PUK (unblocking code): " + CODE + "\n"
            + "  [<new>]  the new PIN: text or hex\n";
    static final String UNBLOCK_USAGE = UNBLOCK_SUMMARY + "\n" + UNBLOCK_DETAILS;

    static final CommandUsage UNBLOCK = CommandUsage.of("scard:unblock", UNBLOCK_USAGE);

    /**
     * {@code scard:unblock}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #UNBLOCK_USAGE} says
     * @return what was unblocked, or null after {@code --help}
     */
    @Descriptor(UNBLOCK_SUMMARY)
    public Object unblock(CommandSession session, @Descriptor(UNBLOCK_DETAILS) CharSequence... words) {
        return UNBLOCK.run(session, words, w -> w.count() == 1 ? unblock(session, w.argument(0))
            : w.count() == 2 ? unblock(session, w.argument(0), w.argument(1))
            : unblock(session, w.argument(0), w.argument(1), w.argument(2)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String USERAUTH_SUMMARY = "authenticate the user with data the user supplies (User_Auth): VERIFY with"
            + " P1 the algorithm reference and P2 the reference; the data is a secret, asked for without echo when it"
            + " is left out";
    /** The command's usage line, options and arguments. */
    static final String USERAUTH_DETAILS = "Usage: scard:userauth [options] [--] <reference> [<data>]\n"
            + "Options:\n"
            + "  -a, --algorithm <algorithm>  the algorithm reference (P1), decimal or 0x hex; default 0\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <reference>  the reference (P2), decimal or 0x hex, 0 to 255\n"
            + "  [<data>]  the data: " + CODE + "\n";
    static final String USERAUTH_USAGE = USERAUTH_SUMMARY + "\n" + USERAUTH_DETAILS;

    static final CommandUsage USERAUTH = CommandUsage.of("scard:userauth", USERAUTH_USAGE);

    /**
     * {@code scard:userauth}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #USERAUTH_USAGE} says
     * @return what the card said, or null after {@code --help}
     */
    @Descriptor(USERAUTH_SUMMARY)
    public Object userauth(CommandSession session, @Descriptor(USERAUTH_DETAILS) CharSequence... words) {
        return USERAUTH.run(session, words,
            w -> userauth(session, w.option("--algorithm", "0"), w.argument(0), w.argument(1)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String LOGOUT_SUMMARY = "forget verifications (ResetSecurityState): every PIN verified so far, or only"
            + " the global or the local ones; a card that cannot forget them gets a warm reset";
    /** The command's usage line, options and arguments. */
    static final String LOGOUT_DETAILS = "Usage: scard:logout [options]\n"
            + "Options:\n"
            + "  -g, --global  only the global verifications (PINs of the MF)\n"
            + "  -l, --local  only the local verifications (PINs of DFs)\n"
            + CommandUsage.HELP_LINE;
    static final String LOGOUT_USAGE = LOGOUT_SUMMARY + "\n" + LOGOUT_DETAILS;

    static final CommandUsage LOGOUT = CommandUsage.of("scard:logout", LOGOUT_USAGE);

    /**
     * {@code scard:logout}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options, as {@link #LOGOUT_USAGE} says
     * @return what was forgotten, or null after {@code --help}
     */
    @Descriptor(LOGOUT_SUMMARY)
    public Object logout(CommandSession session, @Descriptor(LOGOUT_DETAILS) CharSequence... words) {
        return LOGOUT.run(session, words, w -> logout(session, w.flag("--global"), w.flag("--local")));
    }

    String verify(CommandSession session, boolean check, boolean force, String ref) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        if (check) {
            return check(session, pin, force);
        }
        if (force) {
            throw ShellFailures.badInput("--force goes with -c (scard:verify -c --force " + pin.word() + ")");
        }
        return verify(session, pin, null);
    }

    String verify(CommandSession session, boolean check, boolean force, String ref, String code) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        if (check || force) {
            throw ShellFailures.badInput("-c only asks the card for the state of " + pin.label()
                    + "; give no PIN with it");
        }
        return verify(session, pin, CardArgs.code("PIN", code));
    }

    private String verify(CommandSession session, CardArgs.PinRef pin, byte[] given) {
        String context = "verify " + pin.label();
        byte[] code = given;
        try {
            ISCardVerify verifier = verifier(session, context);
            if (code == null) {
                code = ask(session, "Enter " + pin.label() + ": ", "PIN", "scard:verify " + pin.word() + " <PIN>");
            }
            try {
                verifier.verify(code, pin.flags(), pin.ref());
            } catch (SCardException e) {
                throw CardErrors.pinFailure(context, "PIN", e, code);
            }
        } finally {
            wipe(code);
        }
        return pin.label() + " verified";
    }

    /** The card services' verification interface that asks a PIN's state even where that may cost a try. */
    private record ForcedVerifier(ISCardVerify verifier) {
    }

    private ISCardVerify forcedVerifier(CommandSession session, String context) {
        return commands.perAttachment(session, ForcedVerifier.class, manager -> new ForcedVerifier(CardErrors.call(
                context, () -> (ISCardVerify) manager.createInterface(ISCardVerify.IID, null, FORCE_STATUS_QUERY))))
                .verifier();
    }

    private String check(CommandSession session, CardArgs.PinRef pin, boolean force) {
        String context = "verify -c " + (force ? "--force " : "") + pin.word();
        ISCardVerify verifier = force ? forcedVerifier(session, context) : verifier(session, context);
        Set<SCardFlag> flags = EnumSet.copyOf(pin.flags());
        flags.add(SCardFlag.IHV_CHECKONLY);
        try {
            verifier.verify(new byte[0], flags, pin.ref());
            return pin.label() + " is verified";
        } catch (SCardException e) {
            int tries = e.remainingTries().orElse(-1);
            if (e.code() == HResult.SCARD_E_UNSUPPORTED_FEATURE && !force) {
                throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, context + ": the state of "
                        + pin.label() + " cannot be asked without risking a try: this card has not shown that it"
                        + " answers the status query (an empty VERIFY) without counting it as a wrong PIN."
                        + " scard:verify -c --force " + pin.word() + " asks anyway (on a card that counts it, that"
                        + " costs a try)");
            }
            if (e.code() == HResult.SCARD_W_WRONG_CHV && tries != 0) {
                return pin.label() + " is not verified" + (tries < 0 ? " (the card gave no retry counter; it may"
                        + " have counted this query as a wrong PIN)"
                        : " (" + tries + (tries == 1 ? " try" : " tries") + " left)");
            }
            if (e.code() == HResult.SCARD_W_CHV_BLOCKED || e.code() == HResult.SCARD_W_WRONG_CHV) {
                return pin.label() + " is blocked (scard:unblock " + pin.word() + " unblocks it with the PUK)";
            }
            throw CardErrors.pinFailure(context, "PIN", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ change

    String change(CommandSession session, String ref) {
        return change(session, CardArgs.pinRef(ref), null, null);
    }

    String change(CommandSession session, String ref, String oldCode) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        return change(session, pin, CardArgs.code("current PIN", oldCode), null);
    }

    String change(CommandSession session, String ref, String oldCode, String newCode) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        byte[] old = CardArgs.code("current PIN", oldCode);
        byte[] fresh;
        try {
            fresh = CardArgs.code("new PIN", newCode);
        } catch (IllegalArgumentException e) {
            Arrays.fill(old, (byte) 0);
            throw e;
        }
        return change(session, pin, old, fresh);
    }

    private String change(CommandSession session, CardArgs.PinRef pin, byte[] oldGiven, byte[] newGiven) {
        String context = "change " + pin.label();
        String usage = "scard:change " + pin.word() + " <current PIN> <new PIN>";
        ISCardVerify verifier;
        try {
            verifier = verifier(session, context);
        } catch (RuntimeException e) {
            wipe(oldGiven, newGiven);
            throw e;
        }
        byte[] old = null;
        byte[] fresh = null;
        try {
            old = oldGiven != null ? oldGiven : ask(session, "Enter current " + pin.label() + ": ", "current PIN",
                    usage);
            fresh = newGiven != null ? newGiven : askTwice(session, "new " + pin.label(), "new PIN", usage);
            try {
                verifier.changeCode(old, fresh, pin.flags(), pin.ref());
            } catch (SCardException e) {
                // the card checks the new PIN's length or format only after the current PIN was right (a wrong one
                // is counted, SCARD_W_WRONG_CHV): a refused format is the new PIN's
                throw CardErrors.pinFailure(context,
                        e.code() == HResult.SCARD_E_INVALID_CHV ? "new PIN" : "current PIN", e, old, fresh);
            }
        } finally {
            wipe(old, fresh, oldGiven, newGiven);
        }
        return pin.label() + " changed";
    }

    // ----------------------------------------------------------------------------------------------- unblock

    String unblock(CommandSession session, String ref) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        String context = "unblock " + pin.label();
        String usage = "scard:unblock " + pin.word() + " <PUK> [<new PIN>]";
        ISCardVerify verifier = verifier(session, context);
        byte[] puk = null;
        byte[] fresh = null;
        try {
            puk = ask(session, "Enter PUK of " + pin.label() + ": ", "PUK", usage);
            fresh = askOptionalTwice(session, "new " + pin.label(), usage);
            return unblock(verifier, pin, context, puk, fresh);
        } finally {
            wipe(puk, fresh);
        }
    }

    String unblock(CommandSession session, String ref, String pukCode) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        byte[] puk = CardArgs.code("PUK", pukCode);
        try {
            String context = "unblock " + pin.label();
            return unblock(verifier(session, context), pin, context, puk, null);
        } finally {
            wipe(puk);
        }
    }

    String unblock(CommandSession session, String ref, String pukCode, String newCode) {
        CardArgs.PinRef pin = CardArgs.pinRef(ref);
        byte[] puk = CardArgs.code("PUK", pukCode);
        byte[] fresh = null;
        try {
            fresh = CardArgs.code("new PIN", newCode);
            String context = "unblock " + pin.label();
            return unblock(verifier(session, context), pin, context, puk, fresh);
        } finally {
            wipe(puk, fresh);
        }
    }

    private static String unblock(ISCardVerify verifier, CardArgs.PinRef pin, String context, byte[] puk,
            byte[] fresh) {
        try {
            verifier.unblock(puk, fresh, pin.flags(), pin.ref());
        } catch (SCardException e) {
            throw CardErrors.pinFailure(context,
                    e.code() == HResult.SCARD_E_INVALID_CHV && fresh != null ? "new PIN" : "PUK", e, puk, fresh);
        }
        return pin.label() + " unblocked" + (fresh == null ? "" : " with a new PIN");
    }

    /**
     * {@code scard:userauth}: user authentication with data the user supplies (User_Auth: VERIFY with P1 the
     * algorithm and P2 the reference); the data is asked for without echo when it is left out.
     */
    String userauth(CommandSession session, String algorithm, String reference, String code) {
        int p1 = (int) CardArgs.number(algorithm, "algorithm reference (P1)", 0, 255);
        int p2 = (int) CardArgs.number(reference, "reference (P2)", 0, 255);
        String label = String.format(Locale.ROOT, "reference %02X", p2);
        String context = "userauth " + label;
        byte[] data = code == null ? null : CardArgs.code("user data", code);
        try {
            ISCardAuth auth;
            try {
                auth = commands.perAttachment(session, ISCardAuth.class,
                        manager -> CardErrors.call(context, manager::createCardAuth));
            } catch (RuntimeException e) {
                wipe(data);
                throw e;
            }
            if (data == null) {
                data = ask(session, "Enter the data for " + label + ": ", "user data",
                        "scard:userauth " + reference + " <data>");
            }
            byte[] sent = data;
            byte[] answer;
            try {
                answer = auth.userAuth(p1, new byte[] {(byte) p2}, sent);
            } catch (SCardException e) {
                throw CardErrors.pinFailure(context, "user data", e, sent);
            }
            return "User authenticated with " + label + (p1 == 0 ? "" : String.format(Locale.ROOT, " (P1 %02X)", p1))
                    + (answer.length == 0 ? "" : "; the card answered " + Formats.hex(answer));
        } finally {
            wipe(data);
        }
    }

    /**
     * {@code scard:logout}: forgets verifications (ResetSecurityState): the global ones, the local ones, or both.
     */
    String logout(CommandSession session, boolean global, boolean local) {
        ISCardVerify verifier = verifier(session, "logout");
        if (global == local) {
            CardErrors.run("logout", () -> verifier.resetSecurityState());
            return "Security state reset: every verification (global and local) is forgotten";
        }
        CardErrors.run("logout", () -> verifier.resetSecurityState(
                EnumSet.of(global ? SCardFlag.IHV_GLOBAL : SCardFlag.IHV_LOCAL)));
        return "Security state reset: the " + (global ? "global" : "local") + " verifications are forgotten";
    }

    // ------------------------------------------------------------------------------------------- internals

    /** Reads a code without echo and parses it; an empty line sends nothing. The typed characters are cleared. */
    private byte[] ask(CommandSession session, String question, String what, String usage) {
        char[] line = prompt.read(session, question, usage);
        try {
            if (line.length == 0) {
                throw CardErrors.cancelled("no " + what + " entered; nothing was sent to the card");
            }
            return CardArgs.code(what, line);
        } finally {
            Arrays.fill(line, '\0');
        }
    }

    /** Reads a new code twice; they must be the same. */
    private byte[] askTwice(CommandSession session, String label, String what, String usage) {
        return repeated(session, ask(session, "Enter " + label + ": ", what, usage), label, what, usage);
    }

    /** Reads a new PIN twice, or nothing when the first entry is empty (the current PIN stays). */
    private byte[] askOptionalTwice(CommandSession session, String label, String usage) {
        char[] line = prompt.read(session, "Enter " + label + " (empty keeps the current one): ", usage);
        byte[] first;
        try {
            if (line.length == 0) {
                return null;
            }
            first = CardArgs.code("new PIN", line);
        } finally {
            Arrays.fill(line, '\0');
        }
        return repeated(session, first, label, "new PIN", usage);
    }

    /** Asks for {@code first} again: the first entry if both are the same; both are cleared otherwise. */
    private byte[] repeated(CommandSession session, byte[] first, String label, String what, String usage) {
        byte[] second = null;
        try {
            second = ask(session, "Repeat " + label + ": ", what, usage);
            if (!MessageDigest.isEqual(first, second)) {
                throw ShellFailures.badInput("the two entries of the " + what + " differ; nothing was sent to the"
                        + " card");
            }
            return first;
        } catch (RuntimeException e) {
            wipe(first);
            throw e;
        } finally {
            wipe(second);
        }
    }

    private static void wipe(byte[]... codes) {
        for (byte[] code : codes) {
            if (code != null) {
                Arrays.fill(code, (byte) 0);
            }
        }
    }
}
