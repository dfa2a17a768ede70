package dev.scard.testprovider.loopback;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The loopback readers' built-in card: just enough ISO 7816-4 for a backend's smoke test. It knows one file, the MF
 * {@code 3F00}: SELECT by FID ({@code 00 A4 00/08 00/0C 02 3F00}) answers its FCP {@code 62 07 82 01 38 83 02 3F 00}
 * (none with P2 {@code 0C}), any other FID {@code 6A82}; GET CHALLENGE ({@code 00 84 00 00 Le}) answers Le random
 * bytes; any other instruction {@code 6D00}. No state, so a reset changes nothing.
 */
final class SimpleCard implements LoopbackCard {

    /** T=1, historical bytes "LOOPBACK", TCK. */
    private static final byte[] ATR = {0x3B, (byte) 0x88, (byte) 0x80, 0x01, 'L', 'O', 'O', 'P', 'B', 'A', 'C', 'K',
        0x1E};
    private static final byte[] FCP = {0x62, 0x07, (byte) 0x82, 0x01, 0x38, (byte) 0x83, 0x02, 0x3F, 0x00};
    private static final byte[] OK = {(byte) 0x90, 0x00};
    private final SecureRandom random = new SecureRandom();

    @Override
    public byte[] atr() {
        return ATR.clone();
    }

    @Override
    public byte[] process(byte[] command) {
        return switch (command[1]) {
            case (byte) 0xA4 -> select(command);
            case (byte) 0x84 -> {
                if (command.length != 5) {
                    yield sw(0x6700);
                }
                byte[] challenge = new byte[(command[4] == 0 ? 256 : command[4] & 0xFF) + 2];
                random.nextBytes(challenge);
                challenge[challenge.length - 2] = (byte) 0x90;
                challenge[challenge.length - 1] = 0x00;
                yield challenge;
            }
            default -> sw(0x6D00);
        };
    }

    private static byte[] select(byte[] command) {
        boolean mf = command.length >= 7 && command[4] == 2 && command[5] == 0x3F && command[6] == 0x00;
        if (!mf || (command[2] != 0x00 && command[2] != 0x08)) {
            return sw(0x6A82);
        }
        if (command[3] == 0x0C) {
            return OK.clone();
        }
        byte[] answer = Arrays.copyOf(FCP, FCP.length + 2);
        System.arraycopy(OK, 0, answer, FCP.length, 2);
        return answer;
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    @Override
    public void reset() {
        // nothing volatile to forget
    }
}
