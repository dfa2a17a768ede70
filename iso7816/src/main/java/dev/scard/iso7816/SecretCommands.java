package dev.scard.iso7816;

import java.util.Arrays;
import java.util.List;

/**
 * Which command APDUs carry secrets in their data field, and their form with the secret withheld: the one rule
 * for everything that shows or stores commands (traces, recordings). A command is secret when its instruction is
 * one that presents or sets reference data (ISO/IEC 7816-4 §11.5): VERIFY ({@code 20}/{@code 21}), CHANGE REFERENCE
 * DATA ({@code 24}/{@code 25}), RESET RETRY COUNTER ({@code 2C}/{@code 2D}), DISABLE and ENABLE VERIFICATION
 * REQUIREMENT ({@code 26}/{@code 28}), and it has a data field. The class byte does not matter (a proprietary class
 * with these instructions is withheld too: better a harmless command hidden than a PIN shown).
 *
 * <p>The withheld form keeps the header and the Lc field (CLA INS P1 P2 Lc, or the extended {@code 00 Lc1 Lc2}) and
 * drops the data and the Le; {@link #secretLength} says how many data bytes were dropped. A command whose length
 * fields do not add up is withheld after its header when its instruction is secret, so malformed input never
 * leaks either.
 *
 * <p><b>More secret commands.</b> A configuration or a card profile may name further commands that carry secrets
 * (a proprietary PIN command, a key load) as {@link CommandPattern}s: the methods that take a list of them treat a
 * command that any of them {@linkplain CommandPattern#matches matches} as secret too, in the same way (its data
 * withheld, its header and Lc kept). They add to the built-in rule, never take from it: a VERIFY stays secret whatever
 * the list says. (Added in 1.3.0.)
 */
public final class SecretCommands {

    private SecretCommands() {
    }

    /** Whether {@code ins} presents or sets reference data (a PIN, a PUK, a key) in its data field. */
    public static boolean isSecretInstruction(int ins) {
        return switch (ins & 0xFF) {
            case 0x20, 0x21, 0x24, 0x25, 0x26, 0x28, 0x2C, 0x2D -> true;
            default -> false;
        };
    }

    /**
     * How many bytes of {@code apdu} are secret: its data field (Nc) when its instruction is secret, 0 otherwise
     * (also for a secret instruction without data, such as VERIFY asking for the retry counter). For a malformed
     * command with a secret instruction, every byte after the header. Does not allocate.
     */
    public static int secretLength(byte[] apdu) {
        return secretLength(apdu, List.of());
    }

    /**
     * Whether {@code apdu} is a secret command: its instruction is secret ({@link #isSecretInstruction}) or one of
     * {@code more} matches it; false for null and for anything shorter than a header. Does not allocate (for a
     * {@code RandomAccess} list).
     *
     * @param more further secret commands (may be empty, not null)
     * @since 1.3.0
     */
    public static boolean isSecret(byte[] apdu, List<CommandPattern> more) {
        if (apdu == null || apdu.length < 4) {
            return false;
        }
        if (isSecretInstruction(apdu[1])) {
            return true;
        }
        for (int i = 0, n = more.size(); i < n; i++) {
            if (more.get(i).matches(apdu)) {
                return true;
            }
        }
        return false;
    }

    /**
     * As {@link #secretLength(byte[])}, with the commands {@code more} matches secret too ({@link #isSecret}).
     *
     * @param more further secret commands (may be empty, not null)
     * @since 1.3.0
     */
    public static int secretLength(byte[] apdu, List<CommandPattern> more) {
        if (!isSecret(apdu, more)) {
            return 0;
        }
        int offset = dataOffset(apdu);
        if (offset < 0) {
            return apdu.length - 4;
        }
        return nc(apdu);
    }

    /**
     * {@code apdu} as it may be shown or stored: a copy of it when it carries no secret ({@link #secretLength} is 0),
     * else its header and Lc field only (its header only when malformed).
     */
    public static byte[] withheld(byte[] apdu) {
        return withheld(apdu, List.of());
    }

    /**
     * As {@link #withheld(byte[])}, with the commands {@code more} matches secret too ({@link #isSecret}).
     *
     * @param more further secret commands (may be empty, not null)
     * @since 1.3.0
     */
    public static byte[] withheld(byte[] apdu, List<CommandPattern> more) {
        if (secretLength(apdu, more) == 0) {
            return apdu == null ? null : apdu.clone();
        }
        int offset = dataOffset(apdu);
        return Arrays.copyOf(apdu, offset < 0 ? 4 : offset);
    }

    /** Where the data field starts, or -1 for a malformed command. */
    private static int dataOffset(byte[] apdu) {
        try {
            CommandApdu.Case apduCase = CommandApdu.caseOf(apdu);
            if (!apduCase.hasData()) {
                return apdu.length; // no data: nothing withheld (secretLength is 0 then)
            }
            return apduCase.extended() ? 7 : 5;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private static int nc(byte[] apdu) {
        CommandApdu.Case apduCase = CommandApdu.caseOf(apdu);
        if (!apduCase.hasData()) {
            return 0;
        }
        return apduCase.extended() ? ((apdu[5] & 0xFF) << 8) | (apdu[6] & 0xFF) : apdu[4] & 0xFF;
    }
}
