package dev.scard.cardservices.internal;

import java.util.Arrays;
import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.iso7816.StatusWords;

/**
 * What one card-service object talks to: the attachment-scoped manager a factory received, plus what has been
 * learned about the card (whether it takes extended-length APDUs). Shared argument checks live here too.
 */
final class CardChannel {

    /** Transmit failures that mean "this reader or driver cannot carry an extended APDU". */
    private static final Set<HResult> EXTENDED_REFUSED_BY_READER = Set.of(HResult.SCARD_E_INVALID_PARAMETER,
            HResult.SCARD_E_INSUFFICIENT_BUFFER, HResult.SCARD_E_UNSUPPORTED_FEATURE,
            HResult.SCARD_E_READER_UNSUPPORTED, HResult.SCARD_E_INVALID_VALUE);

    private final ISCardManage manager;
    /** Set once the card or the reader refused an extended-length APDU; short APDUs only from then on. */
    private volatile boolean shortOnly;

    CardChannel(ISCardManage manager) {
        this.manager = manager;
    }

    /** The manager (view) this channel sends through. */
    ISCardManage manager() {
        return manager;
    }

    /**
     * Fails with {@code SCARD_E_INVALID_HANDLE} once the attachment the service was created from has ended, so
     * that methods which do not talk to the card fail like those that do.
     */
    void requireAlive() {
        if (!manager.isAttached()) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                    "the attachment this interface was created from has ended");
        }
    }

    /** Sends a command and splits the answer. */
    Apdu.Response send(byte[] command) {
        return Apdu.Response.of(manager.transmit(command));
    }

    /**
     * Sends a command that carries a secret (a PIN, a PUK, a cryptogram) and zeroes the command once it has been
     * transmitted, whether the transmission succeeded or not. The command must be this service's own array.
     */
    Apdu.Response sendWiping(byte[] command) {
        try {
            return send(command);
        } finally {
            Arrays.fill(command, (byte) 0);
        }
    }

    /** Whether extended-length APDUs may still be tried. */
    boolean extendedAllowed() {
        return !shortOnly;
    }

    /**
     * Sends an extended-length command; when the card answers {@code 6700} or the reader refuses it, remembers
     * that only short APDUs work and returns null, so the caller retries in short pieces.
     */
    Apdu.Response sendExtended(byte[] command) {
        Apdu.Response response;
        try {
            response = send(command);
        } catch (SCardException e) {
            if (EXTENDED_REFUSED_BY_READER.contains(e.code())) {
                shortOnly = true;
                return null;
            }
            throw e;
        }
        if (response.sw() == StatusWords.WRONG_LENGTH) {
            shortOnly = true;
            return null;
        }
        return response;
    }

    /**
     * Checks a flag set: not null, no null element, and no {@link SCardFlag#SECURE_MESSAGING}, which these generic
     * services cannot do.
     */
    static Set<SCardFlag> checkFlags(Set<SCardFlag> flags) {
        if (flags == null) {
            throw new SCardException(HResult.E_INVALIDARG, "flags must not be null (use SCardFlag.NONE)");
        }
        for (SCardFlag flag : flags) {
            if (flag == null) {
                throw new SCardException(HResult.E_INVALIDARG, "flags must not contain null");
            }
        }
        if (flags.contains(SCardFlag.SECURE_MESSAGING)) {
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, "secure messaging (SC_FL_SECURE_MESSAGING)"
                    + " is not supported by the generic ISO 7816-4 card services; register a card-specific"
                    + " provider for it");
        }
        return flags;
    }

    /** An {@code E_INVALIDARG} failure. */
    static SCardException invalid(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }
}
