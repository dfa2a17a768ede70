package dev.scard.api;

import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The contract's {@code ISCardAuth}: authentication over ISO 7816-4 GET CHALLENGE, EXTERNAL AUTHENTICATE and
 * INTERNAL AUTHENTICATE. Created by {@link ISCardManage#createCardAuth()}; dies with the manager's attachment.
 *
 * <p>{@code algoId} is the algorithm reference (P1 of the ISO command, 0 to 255; 0 means "known by the card");
 * {@code param} is null or empty (reference 0) or one byte, the key reference (P2); anything else fails with
 * {@link HResult#E_INVALIDARG}, as does a key the card does not have. Both are card-specific, as in the contract.
 */
@ProviderType
public interface ISCardAuth {

    /** {@code IID_ISCardAuth}. */
    UUID IID = UUID.fromString("7B063D61-6E40-11D0-B858-00C04FD424B9");

    /**
     * Models {@code APP_Auth}: the application proves itself to the card (EXTERNAL AUTHENTICATE with
     * {@code data}, typically the card's challenge encrypted with a shared key).
     *
     * @throws SCardException {@link HResult#SCARD_W_SECURITY_VIOLATION} when the card rejects the cryptogram, or
     *         has no fresh challenge to check it against (ask for one with {@link #getChallenge} first)
     */
    void appAuth(int algoId, byte[] param, byte[] data);

    /**
     * Models {@code GetChallenge}: asks the card for a random challenge (GET CHALLENGE).
     *
     * @param length the challenge length, 1 to 256
     * @return the challenge
     */
    byte[] getChallenge(int algoId, int length, byte[] param);

    /**
     * Models {@code ICC_Auth}: the application authenticates the card (INTERNAL AUTHENTICATE). The card's answer
     * is returned for the caller to check; this method does not judge it.
     *
     * @param data the data the card must transform, typically a challenge of the application's
     * @return the card's cryptogram
     */
    byte[] iccAuth(int algoId, byte[] param, byte[] data);

    /**
     * Models {@code User_Auth}: user authentication with data the user supplies: ISO 7816-4 VERIFY with P1
     * {@code algoId} and P2 the reference in {@code param}; fails as {@link ISCardVerify#verify} does. Returns the
     * card's response data, as the SDK form does; empty when the card returns none. {@code data} is a secret: it never
     * appears in a message.
     */
    byte[] userAuth(int algoId, byte[] param, byte[] data);
}
