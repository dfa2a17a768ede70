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
 * <p><b>The PIN's state without risking a try.</b> {@link SCardFlag#IHV_CHECKONLY} asks for a PIN's state with the
 * empty VERIFY ({@code 00 20 00 P2}, no data), which ISO 7816-4 defines as a status query that counts nothing. Cards
 * in the field do not all follow that: some count it as a wrong PIN (one answered {@code 6300}, without a counter, and
 * three checks blocked the PIN). So the empty VERIFY is sent only to a card that has shown that it answers it without
 * counting, per card model (ATR) and PIN reference ({@link PinStatusQueries}): a card that answered it with
 * {@code 9000}, or with {@code 63Cx} giving the same count as the answer just before (to a wrong PIN or to an earlier
 * query, over the same attachment, with nothing in between that changes the counter). Elsewhere the check fails with
 * {@code SCARD_E_UNSUPPORTED_FEATURE} ("the state cannot be asked without risking a try") and sends nothing, unless
 * the caller forces the query: with {@link #FORCE_STATUS_QUERY} as the {@code userData} of
 * {@link ISCardManage#createInterface} (the contract's caller-specific data for the creation; the contract's flags
 * have no room for it). A forced query teaches the rule: {@code 6300} or a lower count than before marks the card as
 * counting, for good; the same count twice, or {@code 9000}, as answering. A blocked PIN ({@code 6983}) is reported
 * as such and teaches nothing; a card that refuses the query's form ({@code 6700}) fails it with
 * {@code SCARD_E_UNSUPPORTED_FEATURE} (not {@code SCARD_E_INVALID_CHV}: no code was sent) and teaches nothing. The retry counter is not looked for elsewhere: ISO 7816-4 keeps a PIN as reference
 * data, not a file with an FCP, and the data objects that carry retry counters (GET DATA) are each application's
 * own (OpenPGP's {@code C4}, for one); reading them generically could misread another card's data, so a
 * card-specific {@code ISCardVerify} provider (registered for the card's ATR) does that where a card has them.
 *
 * <p><b>Codes too long for the card.</b> A PIN, new PIN or unblocking code longer than the card takes fails with
 * {@code SCARD_E_INVALID_CHV} before anything is sent, so that it costs no try (many cards count a code of the wrong
 * length as a wrong PIN): longer than the configured maximum ({@link VerifyFactory}, default
 * {@value #DEFAULT_MAX_CODE_LENGTH} bytes), or, for a PIN, longer than the card's PKCS#15 AODF gives for its reference
 * ({@link PinLengths}, read once per attachment before the first code is presented).
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

    /**
     * The {@code userData} that makes {@code IHV_CHECKONLY} send the status query even to a card not known to answer
     * it without counting (see the class description).
     */
    static final String FORCE_STATUS_QUERY = "IHV_CHECKONLY:force";

    private static final int INS_VERIFY = 0x20;
    private static final int INS_CHANGE_REFERENCE_DATA = 0x24;
    private static final int INS_RESET_RETRY_COUNTER = 0x2C;
    private static final int INS_ENABLE_VERIFICATION = 0x28;
    private static final int INS_DISABLE_VERIFICATION = 0x26;

    /** The longest code sent to any card, unless configured otherwise; a card's AODF maximum applies as well. */
    static final int DEFAULT_MAX_CODE_LENGTH = 16;
    /** The longest code the API accepts at all (a short VERIFY's data field, as the shell's prompt bounds it). */
    static final int MAX_CODE_LENGTH = 127;

    private final CardChannel card;
    /** Whether IHV_CHECKONLY sends the status query to any card. */
    private final boolean forceStatusQuery;
    /** The longest code sent to any card; a card's AODF maximum applies as well (see {@link VerifyFactory}). */
    private final int maxCodeLength;

    IsoVerify(ISCardManage manager) {
        this(manager, false);
    }

    /** @param forceStatusQuery whether IHV_CHECKONLY asks any card (see {@link #FORCE_STATUS_QUERY}) */
    IsoVerify(ISCardManage manager, boolean forceStatusQuery) {
        this(manager, forceStatusQuery, DEFAULT_MAX_CODE_LENGTH);
    }

    /**
     * @param forceStatusQuery whether IHV_CHECKONLY asks any card (see {@link #FORCE_STATUS_QUERY})
     * @param maxCodeLength the longest code sent to any card (a card's AODF maximum applies as well), 1 to
     *        {@value #MAX_CODE_LENGTH} ({@link VerifyFactory} checks the configured value)
     * @throws IllegalArgumentException for a {@code maxCodeLength} out of that range
     */
    IsoVerify(ISCardManage manager, boolean forceStatusQuery, int maxCodeLength) {
        if (maxCodeLength < 1 || maxCodeLength > MAX_CODE_LENGTH) {
            throw new IllegalArgumentException("maxCodeLength " + maxCodeLength + " is out of range 1 to "
                    + MAX_CODE_LENGTH);
        }
        this.card = new CardChannel(manager);
        this.forceStatusQuery = forceStatusQuery;
        this.maxCodeLength = maxCodeLength;
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
        if (code.length > MAX_CODE_LENGTH) {
            throw CardChannel.invalid(what + " has " + code.length + " bytes; at most " + MAX_CODE_LENGTH
                    + " are accepted");
        }
        return code;
    }

    /**
     * A code presented to the card, for {@link #checkLengths}.
     *
     * @param what how messages call it: {@code "the PIN"}, {@code "the new PIN"}
     * @param pin whether it is the PIN's (true) or an unblocking code (false)
     * @param bytes the code
     */
    private record Code(String what, boolean pin, byte[] bytes) {
    }

    /**
     * Refuses, before anything is sent, codes longer than the card takes: longer than the configured maximum, or
     * (for a PIN) longer than the card's PKCS#15 AODF gives for the reference {@code p2}. The AODF is read only when
     * every code is within the configured maximum (once per attachment, {@link CardChannel#pinLimits()}). An
     * unblocking code has no AODF entry of the PIN's: the configured maximum alone.
     *
     * @param context {@code "cannot verify global PIN 01"}
     */
    private void checkLengths(String context, int p2, Code... codes) {
        for (Code code : codes) {
            if (code.bytes().length > maxCodeLength) {
                throw tooLong(context, code, name(p2), maxCodeLength, "the card services' "
                        + VerifyFactory.MAX_CODE_LENGTH_PROPERTY + " setting, PID " + VerifyFactory.PID);
            }
        }
        Integer limit = null;
        for (Code code : codes) {
            if (!code.pin() || code.bytes().length == 0) {
                continue;
            }
            if (limit == null) {
                limit = card.pinLimits().getOrDefault(p2, 0);
            }
            if (limit > 0 && code.bytes().length > limit) {
                throw tooLong(context, code, name(p2), limit, "the card's PKCS#15 AODF");
            }
        }
    }

    private static SCardException tooLong(String context, Code code, String pin, int limit, String source) {
        int length = code.bytes().length;
        return new SCardException(HResult.SCARD_E_INVALID_CHV, context + ": " + code.what() + " is too long: "
                + length
                + (length == 1 ? " byte, " : " bytes, ") + pin + " takes at most " + limit + " (" + source
                + "); nothing was sent, no try was counted");
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
        int sw = response.sw();
        if (ins == INS_VERIFY || ins == INS_CHANGE_REFERENCE_DATA) {
            // The PIN's own counter: what a later status query is compared with.
            card.sawTries(p2, StatusWords.isCounter(sw) ? sw & 0x0F : -1);
        } else if (response.ok()) {
            card.sawTries(p2, -1); // unblocked, enabled or disabled: the counter may be another one now
        }
        if (!response.ok()) {
            throw StatusWordErrors.failure(sw, kind, what);
        }
    }

    /**
     * IHV_CHECKONLY: the empty VERIFY, sent only where it is known not to cost a try or when forced; learns from the
     * answer (see the class description).
     */
    private void checkState(int p2) {
        String atr = atr();
        PinStatusQueries.Behaviour known = atr == null ? null : PinStatusQueries.known(atr, p2);
        if (known != PinStatusQueries.Behaviour.ANSWERS && !forceStatusQuery) {
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, "the state of " + name(p2) + " cannot be"
                    + " asked without risking a try: " + (known == PinStatusQueries.Behaviour.COUNTS
                            ? "this card answered the status query (an empty VERIFY) as if it counted it as a wrong PIN"
                            : "this card has not shown that it answers the status query (an empty VERIFY) without"
                                    + " counting it as a wrong PIN")
                    + "; verify the PIN, or force the query");
        }
        Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_VERIFY, 0x00, p2, null, 0));
        int sw = response.sw();
        int before = card.lastTries(p2);
        PinStatusQueries.Behaviour learned = null;
        if (response.ok()) {
            learned = PinStatusQueries.Behaviour.ANSWERS;
        } else if (StatusWords.isCounter(sw)) {
            int tries = sw & 0x0F;
            if (before >= 0 && tries == before) {
                learned = PinStatusQueries.Behaviour.ANSWERS;
            } else if (before >= 0 && tries < before) {
                learned = PinStatusQueries.Behaviour.COUNTS;
            }
            card.sawTries(p2, tries);
        } else if (sw == StatusWords.NO_INFORMATION_MEMORY_CHANGED) {
            learned = PinStatusQueries.Behaviour.COUNTS;
        }
        if (learned != null && atr != null) {
            PinStatusQueries.learned(atr, p2, learned);
        }
        if (sw == StatusWords.WRONG_LENGTH) {
            // no PIN was sent: the card refuses the query's form (no data), it does not find a code malformed
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, "the card does not answer the status"
                    + " query (an empty VERIFY: " + StatusWords.describe(sw) + "), so the state of " + name(p2)
                    + " cannot be asked on this card; verify the PIN instead");
        }
        if (!response.ok()) {
            String what = name(p2) + " is not verified";
            if (sw == StatusWords.NO_INFORMATION_MEMORY_CHANGED) {
                what += " (the card gave no retry counter and may have counted the query as a wrong PIN)";
            }
            throw StatusWordErrors.failure(sw, Kind.PIN, what);
        }
    }

    /** The card's ATR in upper-case hex, the card model's name for {@link PinStatusQueries}; null when unknown. */
    private String atr() {
        try {
            String atr = card.manager().status().atrHex();
            return atr == null || atr.isEmpty() ? null : atr.toUpperCase(java.util.Locale.ROOT);
        } catch (SCardException e) {
            return null;
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
                checkState(p2);
                return;
            }
            checkLengths("cannot verify " + name(p2), p2, new Code("the PIN", true, code));
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
                checkLengths("cannot " + (enable ? "enable " : "disable ") + name(p2), p2,
                        new Code("the PIN", true, oldCode));
                sendSecret(ins, oldCode.length == 0 ? 0x01 : 0x00, p2, oldCode.clone(), Kind.PIN,
                        "cannot " + (enable ? "enable " : "disable ") + name(p2));
                return;
            }
            code(oldCode, "the current PIN", false);
            code(newCode, "the new PIN", false);
            checkLengths("cannot change " + name(p2), p2, new Code("the current PIN", true, oldCode),
                    new Code("the new PIN", true, newCode));
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
                checkLengths("cannot unblock " + name(p2), p2,
                        new Code("the unblocking code", false, unblockingCode));
                sendSecret(INS_RESET_RETRY_COUNTER, 0x01, p2, unblockingCode.clone(), Kind.PIN,
                        "cannot unblock " + name(p2));
                return;
            }
            code(newCode, "the new PIN", false);
            checkLengths("cannot unblock " + name(p2), p2, new Code("the unblocking code", false, unblockingCode),
                    new Code("the new PIN", true, newCode));
            sendSecret(INS_RESET_RETRY_COUNTER, 0x00, p2, concat(unblockingCode, newCode), Kind.PIN,
                    "cannot unblock " + name(p2));
        }
    }

    @Override
    public String toString() {
        return "ISO 7816-4 ISCardVerify over " + card.manager();
    }
}
