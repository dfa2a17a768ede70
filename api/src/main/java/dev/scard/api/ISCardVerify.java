package dev.scard.api;

import java.util.Set;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The contract's {@code ISCardVerify}: card-holder verification (PINs) over ISO 7816-4 VERIFY, CHANGE REFERENCE
 * DATA and RESET RETRY COUNTER. Created by {@link ISCardManage#createCHVerification()}; dies with the manager's
 * attachment.
 *
 * <p>{@code ref} is the PIN's reference (the P2 qualifier of ISO 7816-4, 1 to 31; others fail with
 * {@link HResult#E_INVALIDARG}). {@link SCardFlag#IHV_GLOBAL} (the default) names a global PIN,
 * {@link SCardFlag#IHV_LOCAL} a PIN of the card's current DF (P2 bit 8 set): the directory of the last file an
 * {@link ISCardFileAccess} worked on; giving both fails with {@link HResult#E_INVALIDARG}. A reference the card
 * does not have fails with {@link HResult#E_INVALIDARG}.
 *
 * <p>A wrong PIN fails with {@link HResult#SCARD_W_WRONG_CHV} and {@link SCardException#remainingTries()} tells
 * how many tries remain (status word {@code 63Cx}; 0 means it is blocked now); a blocked PIN fails with
 * {@link HResult#SCARD_W_CHV_BLOCKED}; a code the card refuses for its length or format, without counting a try,
 * with {@link HResult#SCARD_E_INVALID_CHV} (the generic provider refuses a code longer than the card takes before
 * sending it, for cards that would count it: longer than the card's PKCS#15 AODF allows, or than its configured
 * maximum). PINs are copied and never appear in a log line, an exception message or
 * an event.
 */
@ProviderType
public interface ISCardVerify {

    /** {@code IID_ISCardVerify}. */
    UUID IID = UUID.fromString("4029DD85-5902-11D0-B84C-00C04FD424B9");

    /**
     * Models {@code ChangeCode}: replaces a PIN. {@link SCardFlag#IHV_ENABLE} and {@link SCardFlag#IHV_DISABLE}
     * enable or disable the PIN instead when the card supports it (ENABLE/DISABLE VERIFICATION REQUIREMENT).
     */
    void changeCode(byte[] oldCode, byte[] newCode, Set<SCardFlag> flags, int ref);

    /**
     * Models {@code ResetSecurityState} ([DOC] form): forgets every verification, global and local. The generic
     * provider sends ISO 7816-4 VERIFY with {@code P1=FF} for every reference; a card that does not know it gets a
     * warm reset instead, which also ends a lock the manager held (other connections then see
     * {@link HResult#SCARD_W_RESET_CARD}).
     */
    void resetSecurityState();

    /**
     * Models {@code ResetSecurityState} ([SDK] form): forgets the verifications the flags name
     * ({@link SCardFlag#IHV_GLOBAL}, {@link SCardFlag#IHV_LOCAL}; none means both).
     */
    void resetSecurityState(Set<SCardFlag> flags);

    /**
     * Models {@code Unblock}: resets a blocked PIN's retry counter with its unblocking code (PUK) and sets a new
     * PIN (RESET RETRY COUNTER). The contract's single {@code LONG lData} cannot carry byte strings, so this API
     * takes both codes as bytes. A wrong unblocking code fails with {@link HResult#SCARD_W_WRONG_CHV} and the
     * unblocking code's remaining tries; a blocked one with {@link HResult#SCARD_W_CHV_BLOCKED}.
     *
     * @param newCode the new PIN, or null to keep the old one
     */
    void unblock(byte[] unblockingCode, byte[] newCode, Set<SCardFlag> flags, int ref);

    /**
     * Models {@code Verify}: presents a PIN. With {@link SCardFlag#IHV_CHECKONLY} and an empty code it only
     * asks the card for the state of the PIN: it returns normally when the PIN is verified and fails with
     * {@link HResult#SCARD_W_WRONG_CHV} (with remaining tries) when it is not. It never spends a try silently: where
     * the card cannot be asked without risking one (some cards count ISO 7816-4's status query, an empty VERIFY, as
     * a wrong PIN), it fails with {@link HResult#SCARD_E_UNSUPPORTED_FEATURE} and sends nothing. The generic provider
     * asks only cards that have shown they do not count the query, unless it was created through
     * {@link ISCardManage#createInterface} with the user data {@code "IHV_CHECKONLY:force"}.
     */
    void verify(byte[] code, Set<SCardFlag> flags, int ref);
}
