package dev.scard.simulator.internal;

import java.security.SecureRandom;
import java.util.Arrays;

import dev.scard.api.Protocol;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.StatusWords;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A small but correct ISO 7816-4 card that speaks T=1 and has only a master file: the simulator's default card until
 * the sample card profile ({@code card.CardProfile.sample()}) took its place; benchmarks and tests use it by name.
 *
 * <p>What it answers (short APDUs only; an extended-length APDU gets {@code 6700}, as on cards without
 * extended-length support):
 * <ul>
 * <li>SELECT ({@code INS A4}) of the MF: {@code P1=00} with data {@code 3F00} or no data, {@code P2} {@code 00}
 * or {@code 04} returns the MF's FCP template ({@code 62 ...}) and {@code 9000} whether or not Le is present
 * (under T=1 the answer needs no GET RESPONSE), {@code P2=0C} only {@code 9000}. An Le shorter than the FCP gets
 * {@code 6Cxx} with the right length. Any other file, DF name or path:
 * {@code 6A82}; other P1/P2 values: {@code 6A86}; a data field that cannot be a file identifier: {@code 6700}.</li>
 * <li>GET CHALLENGE ({@code INS 84}, {@code P1=P2=00}): Ne random bytes from {@link SecureRandom} for Le 1 to 256
 * ({@code Le=00} means 256) and {@code 9000}; no Le or a data field: {@code 6700}; other P1/P2: {@code 6A86}.</li>
 * <li>Any other instruction: {@code 6D00}.</li>
 * <li>Class bytes: {@code FF} and the proprietary classes ({@code 8x} to {@code Fx}) get {@code 6E00}; an
 * interindustry class asking for a logical channel other than 0 gets {@code 6881}, secure messaging
 * {@code 6882}, command chaining {@code 6884}.</li>
 * <li>Fewer than 4 bytes, or a length field that does not match the APDU's length: {@code 6700}.</li>
 * </ul>
 * It answers every byte string with at least a status word and never throws. It has no volatile state
 * (the MF is the only file and always selected), so {@link #reset()} has nothing to forget. Thread-safe.
 */
public final class MinimalIsoCard implements SimulatedCard {

    /** The historical bytes: {@code "SCARDSIM"} in ASCII (a proprietary category indicator, {@code 'S'}). */
    static final byte[] HISTORICAL_BYTES = {'S', 'C', 'A', 'R', 'D', 'S', 'I', 'M'};

    /**
     * The answer to reset: {@code 3B 88 01} (direct convention; TD1 present and 8 historical bytes; TD1 offers
     * T=1 only), the historical bytes and TCK, the XOR of every byte from T0 on.
     */
    static final byte[] ATR = buildAtr();

    /** The MF's FCP: file descriptor {@code 38} (DF), file identifier {@code 3F00}, life cycle operational. */
    static final byte[] MF_FCP = {0x62, 0x0A, (byte) 0x82, 0x01, 0x38, (byte) 0x83, 0x02, 0x3F, 0x00,
            (byte) 0x8A, 0x01, 0x05};

    private static final int INS_SELECT = 0xA4;
    private static final int INS_GET_CHALLENGE = 0x84;

    /** Ne when the command has no Le field. */
    private static final int NO_LE = 0;

    private final SecureRandom random = new SecureRandom();

    /** A card in its delivery state. */
    public MinimalIsoCard() {
    }

    private static byte[] buildAtr() {
        byte[] atr = new byte[3 + HISTORICAL_BYTES.length + 1];
        atr[0] = 0x3B;
        atr[1] = (byte) (0x80 | HISTORICAL_BYTES.length);
        atr[2] = 0x01;
        System.arraycopy(HISTORICAL_BYTES, 0, atr, 3, HISTORICAL_BYTES.length);
        byte tck = 0;
        for (int i = 1; i < atr.length - 1; i++) {
            tck ^= atr[i];
        }
        atr[atr.length - 1] = tck;
        return atr;
    }

    /** {@code 3B 88 01 53 43 41 52 44 53 49 4D 99}: T=1, historical bytes {@code "SCARDSIM"}, TCK. */
    @Override
    public byte[] atr() {
        return ATR.clone();
    }

    /** {@link Protocol#T1}. */
    @Override
    public Protocol protocol() {
        return Protocol.T1;
    }

    /** Nothing to forget: the MF is selected implicitly after every reset and is the only file. */
    @Override
    public void reset() {
    }

    /** Answers one command APDU as described in the class comment; never throws. */
    @Override
    public byte[] process(byte[] commandApdu) {
        if (commandApdu == null || commandApdu.length < 4) {
            return sw(StatusWords.WRONG_LENGTH);
        }
        int classError = CommandApdu.basicClassStatus(commandApdu[0] & 0xFF);
        if (classError != 0) {
            return sw(classError);
        }
        CommandApdu.Case apduCase;
        try {
            apduCase = CommandApdu.caseOf(commandApdu);
        } catch (IllegalArgumentException e) {
            return sw(StatusWords.WRONG_LENGTH);
        }
        if (apduCase.extended()) {
            return sw(StatusWords.WRONG_LENGTH); // short APDUs only
        }
        int length = commandApdu.length;
        int dataLength = apduCase.hasData() ? commandApdu[4] & 0xFF : 0;
        int ne = apduCase.hasLe() ? leToNe(commandApdu[length - 1]) : NO_LE;
        int p1 = commandApdu[2] & 0xFF;
        int p2 = commandApdu[3] & 0xFF;
        return switch (commandApdu[1] & 0xFF) {
            case INS_SELECT -> select(p1, p2, commandApdu, dataLength, ne);
            case INS_GET_CHALLENGE -> getChallenge(p1, p2, dataLength, ne);
            default -> sw(StatusWords.INS_NOT_SUPPORTED);
        };
    }

    private static int leToNe(byte le) {
        int value = le & 0xFF;
        return value == 0 ? 256 : value;
    }

    private static byte[] select(int p1, int p2, byte[] apdu, int dataLength, int ne) {
        boolean returnFcp;
        switch (p2) {
            case 0x00, 0x04 -> returnFcp = true; // FCI requested or FCP requested: this card returns its FCP
            case 0x0C -> returnFcp = false;
            default -> {
                return sw(StatusWords.INCORRECT_P1_P2);
            }
        }
        switch (p1) {
            case 0x00 -> { // by file identifier; no data selects the MF
                if (dataLength != 0 && dataLength != 2) {
                    return sw(StatusWords.WRONG_LENGTH);
                }
                boolean mf = dataLength == 0 || (apdu[5] == 0x3F && apdu[6] == 0x00);
                if (!mf) {
                    return sw(StatusWords.FILE_NOT_FOUND);
                }
            }
            case 0x01, 0x02 -> { // child DF, EF under the current DF: the MF has no children
                return sw(dataLength == 2 ? StatusWords.FILE_NOT_FOUND : StatusWords.WRONG_LENGTH);
            }
            case 0x03 -> { // parent DF: the MF has none
                return sw(dataLength == 0 ? StatusWords.FILE_NOT_FOUND : StatusWords.WRONG_LENGTH);
            }
            case 0x04 -> { // by DF name (AID): no applications
                return sw(dataLength >= 1 && dataLength <= 16 ? StatusWords.FILE_NOT_FOUND : StatusWords.WRONG_LENGTH);
            }
            case 0x08, 0x09 -> { // by path: nothing below the MF
                return sw(dataLength >= 2 && dataLength % 2 == 0 ? StatusWords.FILE_NOT_FOUND : StatusWords.WRONG_LENGTH);
            }
            default -> {
                return sw(StatusWords.INCORRECT_P1_P2);
            }
        }
        if (!returnFcp) {
            return sw(StatusWords.OK);
        }
        if (ne != NO_LE && ne < MF_FCP.length) {
            return sw(StatusWords.WRONG_LE | MF_FCP.length);
        }
        return withSw(MF_FCP, MF_FCP.length, StatusWords.OK);
    }

    private byte[] getChallenge(int p1, int p2, int dataLength, int ne) {
        if (p1 != 0 || p2 != 0) {
            return sw(StatusWords.INCORRECT_P1_P2);
        }
        if (dataLength != 0 || ne == NO_LE) {
            return sw(StatusWords.WRONG_LENGTH);
        }
        byte[] response = new byte[ne + 2];
        byte[] challenge = new byte[ne];
        random.nextBytes(challenge);
        System.arraycopy(challenge, 0, response, 0, ne);
        Arrays.fill(challenge, (byte) 0);
        response[ne] = (byte) 0x90;
        response[ne + 1] = 0x00;
        return response;
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    private static byte[] withSw(byte[] data, int length, int sw) {
        byte[] response = Arrays.copyOf(data, length + 2);
        response[length] = (byte) (sw >> 8);
        response[length + 1] = (byte) sw;
        return response;
    }

    @Override
    public String toString() {
        return "MinimalIsoCard[T=1, MF only]";
    }
}
