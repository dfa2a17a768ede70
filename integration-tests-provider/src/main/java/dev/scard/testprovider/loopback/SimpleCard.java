package dev.scard.testprovider.loopback;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The loopback readers' built-in card, just enough ISO 7816-4 for a smoke test. It knows one file, the MF
 * {@code 3F00}: SELECT by FID ({@code 00 A4 00|08 00|0C 02 3F00}) answers its FCP (nothing with P2 {@code 0C}), any
 * other FID {@code 6A82}; GET CHALLENGE ({@code 00 84 00 00 Le}) answers Le random bytes; any other instruction
 * {@code 6D00}. It has no state, so a reset changes nothing.
 */
final class SimpleCard implements LoopbackCard {

    private static final HexFormat HEX = HexFormat.of();
    /** T=1, the historical bytes "LOOPBACK", TCK. */
    private static final byte[] ATR = HEX.parseHex("3B8880014C4F4F504241434B1E");
    private final SecureRandom random = new SecureRandom();

    @Override
    public byte[] atr() {
        return ATR.clone();
    }

    @Override
    public byte[] process(byte[] command) {
        if (command[1] == (byte) 0x84 && command.length == 5) {
            byte[] challenge = new byte[(command[4] == 0 ? 256 : command[4] & 0xFF) + 2];
            random.nextBytes(challenge);
            challenge[challenge.length - 2] = (byte) 0x90;
            challenge[challenge.length - 1] = 0x00;
            return challenge;
        }
        if (command[1] != (byte) 0xA4) {
            return HEX.parseHex("6D00");
        }
        boolean mf = (command[2] == 0x00 || command[2] == 0x08) && command.length >= 7 && command[4] == 2
                && command[5] == 0x3F && command[6] == 0x00;
        return HEX.parseHex(!mf ? "6A82" : command[3] == 0x0C ? "9000" : "620782013883023F009000");
    }

    @Override
    public void reset() {
        // nothing volatile to forget
    }
}
