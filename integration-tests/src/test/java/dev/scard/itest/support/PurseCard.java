package dev.scard.itest.support;

import java.util.Arrays;
import java.util.HexFormat;

import dev.scard.api.Protocol;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A small card program the simulator does not model: a T=0 purse applet, as a plugged-in {@link SimulatedCard}.
 * It answers as a T=0 card does at the transport level, so the core has to complete its exchanges:
 * <ul>
 * <li>SELECT of its AID ({@code 00 A4 04 00 07 F0 50 55 52 53 45 31}): {@code 610B}, the FCI for GET RESPONSE
 * ({@code 00 C0 00 00 0B}; another Le gets {@code 6C0B});</li>
 * <li>VERIFY of PIN 1 ({@code 00 20 00 01 06} and the six ASCII digits {@value #PIN}): {@code 9000}, or
 * {@code 63Cx} with the tries left ({@code 6983} when none), after SELECT;</li>
 * <li>GET BALANCE ({@code 80 50 00 00 04}): four bytes and {@code 9000} once the PIN is verified
 * ({@code 6982} before); another Le gets {@code 6C04};</li>
 * <li>DEBIT ({@code 80 30 00 00 02} and the amount): {@code 9000}, {@code 6985} when the balance is too low;</li>
 * <li>anything else: {@code 6D00} (or {@code 6E00} for a class other than {@code 00}/{@code 80}).</li>
 * </ul>
 * A reset forgets the selection and the verified PIN; the balance and the tries stay.
 */
public final class PurseCard implements SimulatedCard {

    /** The ATR: T=0, historical bytes "PURSE". */
    public static final byte[] ATR = HexFormat.of().parseHex("3B055055525345");
    /** The PIN, as the card compares it (ASCII digits). */
    public static final String PIN = "246810";
    /** The PIN as VERIFY carries it, in hex: what must never show in a trace. */
    public static final String PIN_HEX = "323436383130";
    /** SELECT of the purse applet. */
    public static final String SELECT = "00A4040007F050555253453100";
    /** VERIFY of the right PIN. */
    public static final String VERIFY = "0020000106" + PIN_HEX;
    /** GET BALANCE with Le 00, which the card answers with 6C04. */
    public static final String GET_BALANCE = "8050000000";
    /** The FCI SELECT hands out through GET RESPONSE. */
    public static final String FCI = "6F098407F0505552534531";

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] AID = HEX.parseHex("F0505552534531");

    private int balance = 1000;
    private int tries = 3;
    private boolean selected;
    private boolean verified;
    private byte[] pending;

    @Override
    public byte[] atr() {
        return ATR.clone();
    }

    @Override
    public Protocol protocol() {
        return Protocol.T0;
    }

    @Override
    public void reset() {
        selected = false;
        verified = false;
        pending = null;
    }

    @Override
    public byte[] process(byte[] apdu) {
        if (apdu.length < 4) {
            return sw(0x6700);
        }
        int cla = apdu[0] & 0xFF;
        int ins = apdu[1] & 0xFF;
        byte[] waiting = pending;
        pending = null;
        if (cla != 0x00 && cla != 0x80) {
            return sw(0x6E00);
        }
        if (cla == 0x00 && ins == 0xA4) {
            return select(apdu);
        }
        if (cla == 0x00 && ins == 0xC0) {
            return getResponse(apdu, waiting);
        }
        if (!selected) {
            return sw(0x6985);
        }
        if (cla == 0x00 && ins == 0x20) {
            return verify(apdu);
        }
        if (cla == 0x80 && ins == 0x50) {
            return balance(apdu);
        }
        if (cla == 0x80 && ins == 0x30) {
            return debit(apdu);
        }
        return sw(0x6D00);
    }

    private byte[] select(byte[] apdu) {
        // T=0: the Le of a case-4 command does not reach the card; take Lc and the AID
        if (apdu.length < 5 + AID.length || (apdu[4] & 0xFF) != AID.length
                || !Arrays.equals(apdu, 5, 5 + AID.length, AID, 0, AID.length)) {
            selected = false;
            return sw(0x6A82);
        }
        selected = true;
        verified = false;
        pending = HEX.parseHex(FCI);
        return sw(0x6100 | pending.length);
    }

    private byte[] getResponse(byte[] apdu, byte[] waiting) {
        if (waiting == null) {
            return sw(0x6985);
        }
        int le = apdu.length == 5 ? apdu[4] & 0xFF : -1;
        if (le != waiting.length) {
            pending = waiting;
            return sw(0x6C00 | waiting.length);
        }
        return withSw(waiting, 0x9000);
    }

    private byte[] verify(byte[] apdu) {
        if ((apdu[3] & 0xFF) != 0x01) {
            return sw(0x6A88);
        }
        if (tries == 0) {
            return sw(0x6983);
        }
        if (apdu.length == 4) {
            return sw(verified ? 0x9000 : 0x63C0 | tries);
        }
        boolean right = apdu.length == 5 + PIN.length() && (apdu[4] & 0xFF) == PIN.length()
                && Arrays.equals(apdu, 5, apdu.length, PIN.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0,
                        PIN.length());
        if (right) {
            tries = 3;
            verified = true;
            return sw(0x9000);
        }
        tries--;
        verified = false;
        return sw(tries == 0 ? 0x6983 : 0x63C0 | tries);
    }

    private byte[] balance(byte[] apdu) {
        if (!verified) {
            return sw(0x6982);
        }
        if (apdu.length != 5 || (apdu[4] & 0xFF) != 4) {
            return sw(0x6C04);
        }
        return withSw(new byte[] {(byte) (balance >> 24), (byte) (balance >> 16), (byte) (balance >> 8),
            (byte) balance}, 0x9000);
    }

    private byte[] debit(byte[] apdu) {
        if (!verified) {
            return sw(0x6982);
        }
        if (apdu.length != 7 || (apdu[4] & 0xFF) != 2) {
            return sw(0x6700);
        }
        int amount = ((apdu[5] & 0xFF) << 8) | (apdu[6] & 0xFF);
        if (amount > balance) {
            return sw(0x6985);
        }
        balance -= amount;
        return sw(0x9000);
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    private static byte[] withSw(byte[] data, int sw) {
        byte[] out = Arrays.copyOf(data, data.length + 2);
        out[data.length] = (byte) (sw >> 8);
        out[data.length + 1] = (byte) sw;
        return out;
    }
}
