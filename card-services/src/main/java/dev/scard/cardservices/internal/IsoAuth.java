package dev.scard.cardservices.internal;

import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardManage;
import dev.scard.cardservices.internal.StatusWordErrors.Kind;
import dev.scard.iso7816.CommandApdu;

/**
 * {@link ISCardAuth} over ISO 7816-4 GET CHALLENGE ({@code 84}), EXTERNAL AUTHENTICATE ({@code 82}), INTERNAL
 * AUTHENTICATE ({@code 88}) and VERIFY ({@code 20}, for {@link #userAuth}).
 *
 * <p>{@code algoId} is P1 of the command (0 to 255; 0: "known by the card"); {@code param} is empty or null (key or
 * reference 0) or one byte, the key or reference (P2). Data of more than 255 bytes go in an extended APDU.
 *
 * <p>Thread-safe: every method runs synchronized on the attachment view it was created with
 * ({@link CardChannel#manager()}), which the manager hands every factory call of the same attachment, so the
 * SELECT and the commands that depend on it form one sequence with respect to the other generic interfaces
 * ({@code ISCardFileAccess}, {@code ISCardVerify}, {@code ISCardAuth}) of the same manager, whichever thread calls
 * them. APDUs the application sends itself with {@link ISCardManage#transmit(byte[])} in between (and other
 * applications, unless the manager's lock is held) are not part of that order: they are the application's
 * business.
 */
final class IsoAuth implements ISCardAuth {

    private static final int INS_GET_CHALLENGE = 0x84;
    private static final int INS_EXTERNAL_AUTHENTICATE = 0x82;
    private static final int INS_INTERNAL_AUTHENTICATE = 0x88;
    private static final int INS_VERIFY = 0x20;

    private final CardChannel card;

    IsoAuth(ISCardManage manager) {
        this.card = new CardChannel(manager);
    }

    private static int algorithm(int algoId) {
        if (algoId < 0 || algoId > 0xFF) {
            throw CardChannel.invalid("algorithm " + algoId + " is out of range 0 to 255 (it is P1 of the command)");
        }
        return algoId;
    }

    private static int reference(byte[] param) {
        if (param == null || param.length == 0) {
            return 0;
        }
        if (param.length > 1) {
            throw CardChannel.invalid("param has " + param.length + " bytes; it carries one byte, the key"
                    + " reference (P2), or nothing");
        }
        return param[0] & 0xFF;
    }

    private static byte[] data(byte[] data, String what) {
        if (data == null || data.length == 0) {
            throw CardChannel.invalid(what + " must not be null or empty");
        }
        if (data.length > CommandApdu.MAX_EXTENDED_NC) {
            throw CardChannel.invalid(what + " has " + data.length + " bytes; at most 65535 fit into an APDU");
        }
        return data;
    }

    @Override
    public void appAuth(int algoId, byte[] param, byte[] data) {
        synchronized (card.manager()) {
            card.requireAlive();
            int p1 = algorithm(algoId);
            int p2 = reference(param);
            data(data, "the cryptogram");
            Apdu.Response response = card.sendWiping(CommandApdu.encode(0x00, INS_EXTERNAL_AUTHENTICATE, p1, p2, data,
                    0));
            if (!response.ok()) {
                throw StatusWordErrors.failure(response.sw(), Kind.AUTH, String.format(
                        "the card did not accept the application's authentication with key %02X", p2));
            }
        }
    }

    @Override
    public byte[] getChallenge(int algoId, int length, byte[] param) {
        synchronized (card.manager()) {
            card.requireAlive();
            int p1 = algorithm(algoId);
            int p2 = reference(param);
            if (length < 1 || length > CommandApdu.MAX_SHORT_NE) {
                throw CardChannel.invalid("challenge length " + length + " is out of range 1 to 256");
            }
            Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_GET_CHALLENGE, p1, p2, null, length));
            if (!response.ok()) {
                throw StatusWordErrors.failure(response.sw(), Kind.OTHER, "cannot get a challenge of " + length + " bytes");
            }
            return response.data();
        }
    }

    @Override
    public byte[] iccAuth(int algoId, byte[] param, byte[] data) {
        synchronized (card.manager()) {
            card.requireAlive();
            int p1 = algorithm(algoId);
            int p2 = reference(param);
            data(data, "the data to authenticate");
            Apdu.Response response = card.sendWiping(CommandApdu.encode(0x00, INS_INTERNAL_AUTHENTICATE, p1, p2, data,
                    data.length > CommandApdu.MAX_SHORT_NC ? CommandApdu.MAX_EXTENDED_NE : CommandApdu.MAX_SHORT_NE));
            if (!response.ok()) {
                throw StatusWordErrors.failure(response.sw(), Kind.AUTH, String.format(
                        "the card cannot authenticate itself with key %02X", p2));
            }
            return response.data();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends VERIFY with P1 {@code algoId} (ISO: 0), P2 the reference from {@code param} and {@code data} (a
     * secret: wiped after sending, never in a message); a wrong one fails as {@code ISCardVerify.verify} does
     * ({@code SCARD_W_WRONG_CHV} with the remaining tries).
     */
    @Override
    public byte[] userAuth(int algoId, byte[] param, byte[] data) {
        synchronized (card.manager()) {
            card.requireAlive();
            int p1 = algorithm(algoId);
            int p2 = reference(param);
            data(data, "the user's data");
            Apdu.Response response = card.sendWiping(CommandApdu.encode(0x00, INS_VERIFY, p1, p2, data, 0));
            if (!response.ok()) {
                throw StatusWordErrors.failure(response.sw(), Kind.PIN, String.format("cannot authenticate the user with"
                        + " reference %02X", p2));
            }
            return response.data();
        }
    }

    @Override
    public String toString() {
        return "ISO 7816-4 ISCardAuth over " + card.manager();
    }
}
