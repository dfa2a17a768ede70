package dev.scard.cardservices.internal;

import java.util.Arrays;
import java.util.Set;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.cardservices.internal.StatusWordErrors.Kind;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.StatusWords;

/**
 * {@link ISCardVerify} over ISO 7816-4 VERIFY ({@code 20}), CHANGE REFERENCE DATA ({@code 24}), RESET RETRY
 * COUNTER ({@code 2C}) and ENABLE/DISABLE VERIFICATION REQUIREMENT ({@code 28}/{@code 26}).
 *
 * <p>A local PIN ({@link SCardFlag#IHV_LOCAL}) is a PIN of the card's current DF: the directory of the last file
 * an {@code ISCardFileAccess} worked on (ChangeDir, or the DF of the file last opened, read or written). PINs are
 * copied into the command and the copies are wiped; they never appear in a message.
 *
 * <p>Thread-safe: every method runs synchronized on the attachment view it was created with
 * ({@link CardChannel#manager()}), which the manager hands every factory call of the same attachment, so the
 * SELECT and the commands that depend on it form one sequence with respect to the other generic interfaces
 * ({@code ISCardFileAccess}, {@code ISCardVerify}, {@code ISCardAuth}) of the same manager, whichever thread calls
 * them. APDUs the application sends itself with {@link ISCardManage#transmit(byte[])} in between (and other
 * applications, unless the manager's lock is held) are not part of that order: they are the application's
 * business.
 */
final class IsoVerify implements ISCardVerify {

    private static final int INS_VERIFY = 0x20;
    private static final int INS_CHANGE_REFERENCE_DATA = 0x24;
    private static final int INS_RESET_RETRY_COUNTER = 0x2C;
    private static final int INS_ENABLE_VERIFICATION = 0x28;
    private static final int INS_DISABLE_VERIFICATION = 0x26;

    private final CardChannel card;

    IsoVerify(ISCardManage manager) {
        this.card = new CardChannel(manager);
    }

    /** P2 for a PIN reference and the scope flags. */
    private static int reference(Set<SCardFlag> flags, int ref) {
        boolean global = flags.contains(SCardFlag.IHV_GLOBAL);
        boolean local = flags.contains(SCardFlag.IHV_LOCAL);
        if (global && local) {
            throw CardChannel.invalid("IHV_GLOBAL and IHV_LOCAL exclude each other");
        }
        if (ref < 1 || ref > 31) {
            throw CardChannel.invalid("PIN reference " + ref + " is out of range 1 to 31"
                    + (ref > 0x80 && ref <= 0x9F ? " (a DF-specific PIN is ref " + (ref & 0x1F) + " with IHV_LOCAL)"
                            : ""));
        }
        return local ? 0x80 | ref : ref;
    }

    /** How a PIN is called in messages: {@code "global PIN 01"}, {@code "local PIN 01 (reference 81)"}. */
    private static String name(int p2) {
        return (p2 & 0x80) == 0 ? String.format("global PIN %02X", p2)
                : String.format("local PIN %02X (reference %02X) of the current DF", p2 & 0x1F, p2);
    }

    private static byte[] code(byte[] code, String what, boolean mayBeEmpty) {
        if (code == null) {
            throw CardChannel.invalid(what + " must not be null");
        }
        if (code.length == 0 && !mayBeEmpty) {
            throw CardChannel.invalid(what + " must not be empty");
        }
        if (code.length > 127) {
            throw CardChannel.invalid(what + " has " + code.length + " bytes; at most 127 are accepted");
        }
        return code;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /**
     * Sends a command that carries secrets and checks the answer; {@code secret} (this service's own copy) and the
     * command built from it are zeroed on every path.
     */
    private void sendSecret(int ins, int p1, int p2, byte[] secret, Kind kind, String what) {
        Apdu.Response response;
        try {
            response = card.sendWiping(CommandApdu.encode(0x00, ins, p1, p2, secret.length == 0 ? null : secret, 0));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        if (!response.ok()) {
            throw StatusWordErrors.failure(response.sw(), kind, what);
        }
    }

    @Override
    public void verify(byte[] code, Set<SCardFlag> flags, int ref) {
        synchronized (card.manager()) {
            card.requireAlive();
            CardChannel.checkFlags(flags);
            int p2 = reference(flags, ref);
            boolean checkOnly = flags.contains(SCardFlag.IHV_CHECKONLY);
            code(code, "the PIN", checkOnly);
            if (checkOnly) {
                if (code.length != 0) {
                    throw CardChannel.invalid("IHV_CHECKONLY asks for the state of " + name(p2)
                            + " and takes an empty code");
                }
                sendSecret(INS_VERIFY, 0x00, p2, new byte[0], Kind.PIN, name(p2) + " is not verified");
                return;
            }
            sendSecret(INS_VERIFY, 0x00, p2, code.clone(), Kind.PIN, "cannot verify " + name(p2));
        }
    }

    @Override
    public void changeCode(byte[] oldCode, byte[] newCode, Set<SCardFlag> flags, int ref) {
        synchronized (card.manager()) {
            card.requireAlive();
            CardChannel.checkFlags(flags);
            int p2 = reference(flags, ref);
            boolean enable = flags.contains(SCardFlag.IHV_ENABLE);
            boolean disable = flags.contains(SCardFlag.IHV_DISABLE);
            if (enable && disable) {
                throw CardChannel.invalid("IHV_ENABLE and IHV_DISABLE exclude each other");
            }
            if (enable || disable) {
                code(oldCode, "the PIN", true);
                if (newCode != null && newCode.length > 0) {
                    throw CardChannel.invalid((enable ? "IHV_ENABLE" : "IHV_DISABLE") + " enables or disables "
                            + name(p2) + " instead of changing it; give no new code");
                }
                int ins = enable ? INS_ENABLE_VERIFICATION : INS_DISABLE_VERIFICATION;
                sendSecret(ins, oldCode.length == 0 ? 0x01 : 0x00, p2, oldCode.clone(), Kind.PIN,
                        "cannot " + (enable ? "enable " : "disable ") + name(p2));
                return;
            }
            code(oldCode, "the current PIN", false);
            code(newCode, "the new PIN", false);
            sendSecret(INS_CHANGE_REFERENCE_DATA, 0x00, p2, concat(oldCode, newCode), Kind.PIN,
                    "cannot change " + name(p2));
        }
    }

    @Override
    public void resetSecurityState() {
        synchronized (card.manager()) {
            resetSecurityState(SCardFlag.NONE);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends VERIFY with {@code P1=FF} (ISO 7816-4: "the verification status is reset") for every global
     * reference ({@code 01}-{@code 1F}) and/or every local one ({@code 81}-{@code 9F}) of the current DF,
     * ignoring references the card does not have. A card that does not know {@code P1=FF} (it answers the very
     * first one with {@code 6A86}, {@code 6A81}, {@code 6B00} or {@code 6D00}) gets a warm reset instead
     * ({@link ISCardManage#reconnect(dev.scard.api.Disposition)} with RESET), which forgets every verification,
     * global and local; other connections to the card then see {@code SCARD_W_RESET_CARD}. Such a refusal of a
     * later reference fails instead (the card knows the command), and so does the fallback while the manager
     * holds the lock, which a reset would end ({@code SCARD_E_UNSUPPORTED_FEATURE}: unlock first).
     */
    @Override
    public void resetSecurityState(Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            card.requireAlive();
            CardChannel.checkFlags(flags);
            boolean global = flags.contains(SCardFlag.IHV_GLOBAL);
            boolean local = flags.contains(SCardFlag.IHV_LOCAL);
            if (!global && !local) {
                global = true;
                local = true;
            }
            boolean first = true;
            for (int scope : new int[] {global ? 0x00 : -1, local ? 0x80 : -1}) {
                if (scope < 0) {
                    continue;
                }
                for (int ref = 1; ref <= 31; ref++) {
                    Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_VERIFY, 0xFF, scope | ref, null, 0));
                    int sw = response.sw();
                    if (response.ok() || sw == StatusWords.REFERENCED_DATA_NOT_FOUND
                            || sw == StatusWords.AUTHENTICATION_METHOD_BLOCKED || StatusWords.isCounter(sw)) {
                        first = false;
                        continue;
                    }
                    if (first && (sw == StatusWords.INCORRECT_P1_P2 || sw == StatusWords.FUNCTION_NOT_SUPPORTED
                            || sw == StatusWords.WRONG_P1_P2 || sw == StatusWords.INS_NOT_SUPPORTED)) {
                        warmReset(sw);
                        return;
                    }
                    throw StatusWordErrors.failure(sw, Kind.PIN, "cannot reset the verification of "
                            + name(scope | ref));
                }
            }
        }
    }

    /**
     * The fallback for a card that does not know VERIFY {@code P1=FF}: a warm reset, unless the manager holds the
     * lock, which the reset would end behind the application's back ({@link ISCardManage#isLocked()} of the view).
     */
    private void warmReset(int sw) {
        ISCardManage manager = card.manager();
        if (manager.isLocked()) {
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, "cannot reset the security state: the card"
                    + " does not reset verifications with VERIFY P1=FF (" + StatusWords.describe(sw) + "), and the"
                    + " warm reset that would do it ends the lock this manager holds; unlock first, or reconnect"
                    + " with Disposition.RESET");
        }
        card.forgetSelection(); // the reset selects the MF
        manager.reconnect(Disposition.RESET);
    }

    @Override
    public void unblock(byte[] unblockingCode, byte[] newCode, Set<SCardFlag> flags, int ref) {
        synchronized (card.manager()) {
            card.requireAlive();
            CardChannel.checkFlags(flags);
            int p2 = reference(flags, ref);
            code(unblockingCode, "the unblocking code", false);
            if (newCode == null) {
                sendSecret(INS_RESET_RETRY_COUNTER, 0x01, p2, unblockingCode.clone(), Kind.PIN,
                        "cannot unblock " + name(p2));
                return;
            }
            code(newCode, "the new PIN", false);
            sendSecret(INS_RESET_RETRY_COUNTER, 0x00, p2, concat(unblockingCode, newCode), Kind.PIN,
                    "cannot unblock " + name(p2));
        }
    }

    @Override
    public String toString() {
        return "ISO 7816-4 ISCardVerify over " + card.manager();
    }
}
