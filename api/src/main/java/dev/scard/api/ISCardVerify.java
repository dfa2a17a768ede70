package dev.scard.api;

import java.util.Set;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The contract's {@code ISCardVerify}: card-holder verification (PINs) over ISO 7816-4 VERIFY, CHANGE REFERENCE
 * DATA and RESET RETRY COUNTER. Created by {@link ISCardManage#createCHVerification()}; dies with the manager's
 * attachment.
 *
 * <p>{@code ref} is the PIN's reference (the P2 qualifier of ISO 7816-4, 1 to 31). {@link SCardFlag#IHV_GLOBAL}
 * (the default) names a global PIN, {@link SCardFlag#IHV_LOCAL} a PIN of the current DF (P2 bit 8 set);
 * giving both fails with {@link HResult#E_INVALIDARG}.
 *
 * <p>A wrong PIN fails with {@link HResult#SCARD_W_WRONG_CHV} and {@link SCardException#remainingTries()} tells
 * how many tries remain (status word {@code 63Cx}); a blocked PIN fails with {@link HResult#SCARD_W_CHV_BLOCKED}.
 * PINs are copied and never appear in a log line, an exception message or an event.
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

    /** Models {@code ResetSecurityState} ([DOC] form): forgets every verification, global and local. */
    void resetSecurityState();

    /**
     * Models {@code ResetSecurityState} ([SDK] form): forgets the verifications the flags name
     * ({@link SCardFlag#IHV_GLOBAL}, {@link SCardFlag#IHV_LOCAL}; none means both).
     */
    void resetSecurityState(Set<SCardFlag> flags);

    /**
     * Models {@code Unblock}: resets a blocked PIN's retry counter with its unblocking code (PUK) and sets a new
     * PIN. The contract's single {@code LONG lData} cannot carry byte strings, so this API takes both codes as
     * bytes.
     *
     * @param newCode the new PIN, or null to keep the old one
     */
    void unblock(byte[] unblockingCode, byte[] newCode, Set<SCardFlag> flags, int ref);

    /**
     * Models {@code Verify}: presents a PIN. With {@link SCardFlag#IHV_CHECKONLY} and an empty code it only
     * asks the card for the state of the PIN: it returns normally when the PIN is verified and fails with
     * {@link HResult#SCARD_W_WRONG_CHV} (with remaining tries) when it is not.
     */
    void verify(byte[] code, Set<SCardFlag> flags, int ref);
}
