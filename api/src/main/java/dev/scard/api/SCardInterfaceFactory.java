package dev.scard.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard extension point for {@link ISCardManage#createInterface} and the {@code Create*} methods
 * (DESIGN §4): a bundle registers a factory with {@link SCardServiceProperties#INTERFACE_NAME} and/or
 * {@link SCardServiceProperties#INTERFACE_GUID} (each may have several values), optionally
 * {@link SCardServiceProperties#ATR_PATTERN} and a {@code service.ranking}. The best-ranked factory whose
 * properties match the request and the attached card is used (equal rankings: the longest-registered one). To
 * replace the generic file access for some cards, register with name {@code ISCardFileAccess} (or its
 * {@link ISCardFileAccess#IID}), an ATR pattern and a ranking above -1000, the generic ones' ranking; likewise
 * {@code ISCardVerify} and {@code ISCardAuth}. Factories are bound dynamically: one registered later is used by
 * the next {@code create} call of every manager.
 */
@ConsumerType
public interface SCardInterfaceFactory {

    /**
     * Creates the interface for a manager's current attachment. The object should reach the card only through
     * {@code manager} (e.g. {@link ISCardManage#transmit(byte[])}).
     *
     * <p>{@code manager} is a view limited to the attachment the interface is created for: it behaves like the
     * manager (transmit, status, lock, unlock, reconnect, create) while that attachment lasts, survives a
     * reconnect, and fails every call with {@link HResult#SCARD_E_INVALID_HANDLE} ("the attachment this interface
     * was created from has ended") once the manager detaches or is released, so the created interface dies with
     * the attachment without tracking it. The view cannot attach ({@link HResult#E_FAIL}) and its
     * {@link ISCardManage#detach()} does nothing; {@link ISCardManage#isAttached()} tells whether it still works.
     *
     * @param manager the view of the attached manager that asked
     * @param userData the caller's data, unchanged; may be null
     * @return the interface; never null (null is reported to the caller as {@link HResult#E_FAIL}, as is any
     *         exception other than an {@link SCardException}, which is passed on as it is)
     */
    Object create(ISCardManage manager, Object userData);
}
