package dev.scard.simulator.internal.card;

/** The ISO 7816-4 status words the card model answers with. */
final class Sw {
    static final int OK = 0x9000;
    /** {@code 61xx}: xx more bytes to fetch with GET RESPONSE (T=0 only). */
    static final int BYTES_REMAINING = 0x6100;
    /** End of file or record reached before reading Ne bytes (the data is returned). */
    static final int END_OF_FILE = 0x6282;
    /** The selected file is deactivated (the FCP is returned when requested). */
    static final int FILE_DEACTIVATED = 0x6283;
    /** Verification failed (EXTERNAL AUTHENTICATE: wrong cryptogram). */
    static final int VERIFICATION_FAILED = 0x6300;
    /** {@code 63Cx}: wrong PIN or PUK, x tries left. */
    static final int TRIES_LEFT = 0x63C0;
    static final int WRONG_LENGTH = 0x6700;
    static final int LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881;
    static final int SECURE_MESSAGING_NOT_SUPPORTED = 0x6882;
    static final int CHAINING_NOT_SUPPORTED = 0x6884;
    static final int INCOMPATIBLE_FILE_STRUCTURE = 0x6981;
    static final int SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    static final int AUTHENTICATION_METHOD_BLOCKED = 0x6983;
    static final int CONDITIONS_OF_USE_NOT_SATISFIED = 0x6985;
    static final int NO_CURRENT_EF = 0x6986;
    static final int WRONG_DATA = 0x6A80;
    static final int FILE_NOT_FOUND = 0x6A82;
    static final int RECORD_NOT_FOUND = 0x6A83;
    static final int NOT_ENOUGH_MEMORY = 0x6A84;
    static final int WRONG_P1_P2 = 0x6A86;
    static final int REFERENCED_DATA_NOT_FOUND = 0x6A88;
    static final int FILE_EXISTS = 0x6A89;
    static final int DF_NAME_EXISTS = 0x6A8A;
    static final int WRONG_OFFSET = 0x6B00;
    /** {@code 6Cxx}: wrong Le, xx is the right one. */
    static final int WRONG_LE = 0x6C00;
    static final int INS_NOT_SUPPORTED = 0x6D00;
    static final int CLA_NOT_SUPPORTED = 0x6E00;
    /** No precise diagnosis: answered only if the model has a bug (the randomized tests make sure it does not). */
    static final int TECHNICAL_PROBLEM = 0x6F00;

    private Sw() {
    }

    /** A response that is only the status word {@code sw}. */
    static byte[] only(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    /** {@code length} bytes of {@code data} from {@code offset}, followed by {@code sw}, in a new array. */
    static byte[] withData(byte[] data, int offset, int length, int sw) {
        byte[] response = new byte[length + 2];
        System.arraycopy(data, offset, response, 0, length);
        response[length] = (byte) (sw >> 8);
        response[length + 1] = (byte) sw;
        return response;
    }
}
