package dev.scard.trace;

import dev.scard.iso7816.CommandApdu;

/**
 * Which commands carry a secret (a PIN, a PUK, a new reference value) in their data, so that a trace keeps only their
 * header and Lc ({@link TraceEntry#redactedApdu}): VERIFY ({@code 20}), CHANGE REFERENCE DATA ({@code 24}), RESET
 * RETRY COUNTER ({@code 2C}), ENABLE VERIFICATION REQUIREMENT ({@code 28}) and DISABLE VERIFICATION REQUIREMENT
 * ({@code 26}), each when it has data, in any interindustry or proprietary class (the instruction byte decides; the
 * odd variants {@code 21}, {@code 25}, {@code 2D} too).
 */
public final class SecretCommands {

    private SecretCommands() {
    }

    /**
     * Whether the command carries a secret in its data field.
     *
     * @param command a command APDU (only read); a malformed one (whose data field cannot be told) counts as secret
     *        when its instruction is one of the above
     */
    public static boolean isSecret(byte[] command) {
        if (command == null || command.length < 4 || !secretInstruction(command[1] & 0xFF)) {
            return false;
        }
        try {
            return CommandApdu.parse(command).nc() > 0;
        } catch (IllegalArgumentException malformed) {
            return true;
        }
    }

    /** Whether the instruction byte is one whose data is secret (VERIFY, CHANGE/RESET/ENABLE/DISABLE). */
    public static boolean secretInstruction(int ins) {
        return switch (ins) {
            case 0x20, 0x21, 0x24, 0x25, 0x26, 0x28, 0x2C, 0x2D -> true;
            default -> false;
        };
    }
}
