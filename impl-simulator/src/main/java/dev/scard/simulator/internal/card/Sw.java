package dev.scard.simulator.internal.card;

import dev.scard.iso7816.StatusWords;

/**
 * The ISO 7816-4 status words the card model answers with, under the names the model uses (the values and their
 * meanings are {@link StatusWords}'s).
 */
final class Sw {
    static final int OK = StatusWords.OK;
    /** {@code 61xx}: xx more bytes to fetch with GET RESPONSE (T=0 only). */
    static final int BYTES_REMAINING = StatusWords.BYTES_REMAINING;
    /** End of file or record reached before reading Ne bytes (the data is returned). */
    static final int END_OF_FILE = StatusWords.END_OF_FILE;
    /** The selected file is deactivated (the FCP is returned when requested). */
    static final int FILE_DEACTIVATED = StatusWords.SELECTED_FILE_DEACTIVATED;
    /** Verification failed (EXTERNAL AUTHENTICATE: wrong cryptogram). */
    static final int VERIFICATION_FAILED = StatusWords.NO_INFORMATION_MEMORY_CHANGED;
    /** {@code 63Cx}: wrong PIN or PUK, x tries left. */
    static final int TRIES_LEFT = StatusWords.COUNTER;
    static final int WRONG_LENGTH = StatusWords.WRONG_LENGTH;
    static final int LOGICAL_CHANNEL_NOT_SUPPORTED = StatusWords.LOGICAL_CHANNEL_NOT_SUPPORTED;
    static final int SECURE_MESSAGING_NOT_SUPPORTED = StatusWords.SECURE_MESSAGING_NOT_SUPPORTED;
    static final int CHAINING_NOT_SUPPORTED = StatusWords.CHAINING_NOT_SUPPORTED;
    static final int INCOMPATIBLE_FILE_STRUCTURE = StatusWords.INCOMPATIBLE_FILE_STRUCTURE;
    static final int SECURITY_STATUS_NOT_SATISFIED = StatusWords.SECURITY_STATUS_NOT_SATISFIED;
    static final int AUTHENTICATION_METHOD_BLOCKED = StatusWords.AUTHENTICATION_METHOD_BLOCKED;
    static final int CONDITIONS_OF_USE_NOT_SATISFIED = StatusWords.CONDITIONS_OF_USE_NOT_SATISFIED;
    static final int NO_CURRENT_EF = StatusWords.NO_CURRENT_EF;
    static final int WRONG_DATA = StatusWords.INCORRECT_DATA;
    static final int FILE_NOT_FOUND = StatusWords.FILE_NOT_FOUND;
    /** CREATE FILE of a kind of file the card does not make (quirk {@code "createRecordFiles": false}). */
    static final int FUNCTION_NOT_SUPPORTED = StatusWords.FUNCTION_NOT_SUPPORTED;
    static final int RECORD_NOT_FOUND = StatusWords.RECORD_NOT_FOUND;
    static final int NOT_ENOUGH_MEMORY = StatusWords.NOT_ENOUGH_MEMORY;
    static final int WRONG_P1_P2 = StatusWords.INCORRECT_P1_P2;
    static final int REFERENCED_DATA_NOT_FOUND = StatusWords.REFERENCED_DATA_NOT_FOUND;
    static final int FILE_EXISTS = StatusWords.FILE_EXISTS;
    static final int DF_NAME_EXISTS = StatusWords.DF_NAME_EXISTS;
    static final int WRONG_OFFSET = StatusWords.WRONG_P1_P2;
    /** {@code 6Cxx}: wrong Le, xx is the right one. */
    static final int WRONG_LE = StatusWords.WRONG_LE;
    static final int INS_NOT_SUPPORTED = StatusWords.INS_NOT_SUPPORTED;
    static final int CLA_NOT_SUPPORTED = StatusWords.CLA_NOT_SUPPORTED;
    /** No precise diagnosis: answered only if the model has a bug (the randomized tests make sure it does not). */
    static final int TECHNICAL_PROBLEM = StatusWords.NO_PRECISE_DIAGNOSIS;

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
