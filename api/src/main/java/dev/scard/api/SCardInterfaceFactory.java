package dev.scard.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard extension point for {@link ISCardManage#createInterface} and the {@code Create*} methods: a bundle registers a factory with {@link SCardServiceProperties#INTERFACE_NAME} and/or
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
     * {@link ISCardManage#detach()} does nothing; {@link ISCardManage#isAttached()} tells whether it still works,
     * and {@link ISCardManage#isLocked()} whether the manager holds the lock (an interface that would end a
     * transaction, for example with a warm reset, asks it first).
     *
     * <p><b>One view per attachment and card insertion.</b> Every {@code create} call for the same attachment of a
     * manager and the same card insertion receives the same view object, whichever factory is called and whether the
     * request came through the manager or through the view; a new attachment, or a card inserted since (seen by a
     * {@link ISCardManage#reconnect()}), gets a new view. So the interfaces created over one card can coordinate on
     * that object: for example, synchronize their multi-APDU sequences (select, then read) on it, so that two
     * interfaces of one attachment never interleave their commands.
     *
     * @param manager the view of the attached manager that asked
     * @param userData the caller's data, unchanged; may be null
     * @return the interface; never null (null is reported to the caller as {@link HResult#E_FAIL}, as is any
     *         exception other than an {@link SCardException}, which is passed on as it is)
     */
    Object create(ISCardManage manager, Object userData);
}
