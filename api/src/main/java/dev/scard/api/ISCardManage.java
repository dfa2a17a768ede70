package dev.scard.api;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The contract's {@code ISCardManage}: attaches to one reader or card, locks it, reports its status and
 * creates the worker interfaces.
 *
 * <p><b>Lifecycle.</b> An instance is one attachment, like the COM object it models. Backends register it
 * with prototype scope: each {@code ServiceObjects.getService()} is a fresh manager ({@code CoCreateInstance}),
 * {@code ungetService} detaches it and releases everything it holds ({@code Release}); a released manager,
 * or one whose backend stopped, fails every call with {@link HResult#SCARD_E_SERVICE_STOPPED}, except
 * {@link #detach()} (still a no-op) and {@link #isAttached()} ({@code false}).
 *
 * <p><b>Errors.</b> Failures throw {@link SCardException} with the HRESULT. Calls that need an attachment
 * fail with {@link HResult#SCARD_E_INVALID_HANDLE} when nothing is attached, and card operations on a
 * reader attachment with no card fail with {@link HResult#SCARD_E_NO_SMARTCARD}. When the card was removed
 * or reset by someone else, card operations fail with {@link HResult#SCARD_W_REMOVED_CARD} or
 * {@link HResult#SCARD_W_RESET_CARD} until {@link #reconnect()}. Null or malformed arguments fail with
 * {@link HResult#E_INVALIDARG}.
 *
 * <p><b>This release.</b> {@link #createFileAccess()}, {@link #createCHVerification()}, {@link #createCardAuth()}
 * and {@link #createInterface} choose an {@link SCardInterfaceFactory} from the service registry (docs/decisions.md, "Extension"). The
 * bundle {@code dev.scard.card-services} registers the generic ISO 7816-4 implementations of the three standard
 * interfaces as fallbacks (ranking -1000), so they work on every backend; other bundles may register better ones
 * for their cards, or other interfaces such as {@code CryptoProvider}. Without any matching factory (e.g. when
 * {@code dev.scard.card-services} is not installed) the methods fail with {@link HResult#E_NOINTERFACE}.
 *
 * <p><b>Threads.</b> Every method may be called from several threads; one manager serializes its own card
 * traffic. A lock ({@link #lock()}) belongs to the manager, not to a thread: it blocks other managers and
 * connections, never this manager's own threads.
 */
@ProviderType
public interface ISCardManage {

    /** {@code IID_ISCardManage}. */
    UUID IID = UUID.fromString("5E586211-5A09-11D0-B84C-00C04FD424B9");

    /**
     * The longest command APDU {@link #transmit(byte[])} accepts: header, 3-byte Lc, 65,535 data bytes and a
     * 2-byte Le (ISO 7816-4 case 4E).
     */
    int MAX_COMMAND_APDU_LENGTH = 4 + 3 + 65535 + 2;

    /**
     * Models {@code AttachByHandle}: attaches to the card behind a handle from the same backend's
     * {@link SCardResourceManager#connect}. The handle stays owned by whoever obtained it: {@link #detach()}
     * forgets it and does not disconnect it; when its owner disconnects it, calls through this manager fail
     * with {@link HResult#SCARD_E_INVALID_HANDLE}.
     *
     * @param handle the handle's {@link CardHandle#value()}
     * @throws SCardException {@link HResult#E_INVALIDARG} when the handle was not issued by this backend's
     *         resource manager or is no longer connected; {@link HResult#E_FAIL} when already attached (the
     *         current attachment stays intact)
     */
    void attachByHandle(long handle);

    /**
     * Models {@code AttachByHandle} for a handle object; the same as {@code attachByHandle(handle.value())}
     * after checking that the handle comes from this manager's backend.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} when {@code handle} is null or from another backend
     */
    void attachByHandle(CardHandle handle);

    /**
     * Models {@code AttachByIFD} in the documented one-argument form: attaches to a reader by display name
     * in {@link ShareMode#SHARED} mode with T=0 or T=1 as preferred protocols.
     *
     * <p>Attaching to a reader with no card succeeds as a <em>reader attachment</em>: {@link #status()} reports
     * {@link CardState#ABSENT}, card operations fail with {@link HResult#SCARD_E_NO_SMARTCARD}, and
     * {@link #reconnect()} after a card is inserted reaches the card.
     *
     * @param readerName the reader's display name, as {@link SCardResourceManager#listReaders()} gives it
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null or unknown reader name;
     *         {@link HResult#SCARD_E_SHARING_VIOLATION} when another connection holds the card exclusively;
     *         {@link HResult#E_FAIL} when already attached (the current attachment stays intact)
     */
    void attachByIfd(String readerName);

    /**
     * Models {@code AttachByIFD} in the SDK form with a share mode; preferred protocols T=0 or T=1.
     * See {@link #attachByIfd(String)}.
     *
     * @param shareMode {@link ShareMode#EXCLUSIVE} fails with {@link HResult#SCARD_E_SHARING_VIOLATION} while
     *        any other connection to the card is open, and keeps others out while attached
     */
    void attachByIfd(String readerName, ShareMode shareMode);

    /**
     * Models {@code AttachByIFD} with a share mode and the preferred protocols (an addition from
     * {@code ISCard::AttachByReader}). See {@link #attachByIfd(String)}.
     *
     * @param preferredProtocols a non-empty subset of {@link Protocol#T0}, {@link Protocol#T1},
     *        {@link Protocol#RAW}; {@link HResult#SCARD_E_PROTO_MISMATCH} when the card speaks none of them
     */
    void attachByIfd(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols);

    /**
     * Models {@code Detach}: ends the attachment and leaves the card as it is. A lock held by this manager is
     * released (with {@link Disposition#LEAVE}); every sub-interface created from this manager is invalidated
     * (its calls fail with {@link HResult#SCARD_E_INVALID_HANDLE}); a connection this manager opened is closed,
     * a handle given to {@link #attachByHandle(long)} is only forgotten. A no-op when nothing is attached.
     */
    void detach();

    /**
     * Models {@code Reconnect}: re-establishes the link with the same share mode and preferred protocols,
     * leaving the card as it is ({@link Disposition#LEAVE}). This is how a caller recovers after
     * {@link HResult#SCARD_W_RESET_CARD}, {@link HResult#SCARD_W_REMOVED_CARD} once a card is back, or turns a
     * reader attachment into a card attachment after insertion. A lock held by this manager does not survive
     * a reconnect. Sub-interfaces stay valid (the card's security state may not, after a reset).
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE} when not attached;
     *         {@link HResult#SCARD_E_NO_SMARTCARD} when the reader still has no card
     */
    void reconnect();

    /**
     * Models {@code Reconnect} with an initialization, as {@code ISCard::ReAttach} has it: like
     * {@link #reconnect()}, and the card is first treated as {@code initialization} says
     * ({@link Disposition#RESET} for a warm reset, {@link Disposition#UNPOWER} for a cold one).
     *
     * @param initialization {@link Disposition#LEAVE}, {@link Disposition#RESET} or {@link Disposition#UNPOWER};
     *        {@link Disposition#EJECT} fails with {@link HResult#E_INVALIDARG}
     */
    void reconnect(Disposition initialization);

    /**
     * Models {@code SCardLock}: takes exclusive use of the card (a PC/SC transaction owned by this manager).
     * Waits as long as another manager or connection holds the card locked. Calling it while this manager
     * already holds the lock is a no-op (locks do not nest; one {@link #unlock()} releases).
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE} when not attached;
     *         {@link HResult#SCARD_E_NO_SMARTCARD} on a reader attachment; {@link HResult#SCARD_E_CANCELLED}
     *         when the waiting thread is interrupted
     */
    void lock();

    /**
     * Models {@code SCardLock} with a bound on the wait (an addition): like {@link #lock()}, but gives up
     * after {@code timeout}.
     *
     * @param timeout how long to wait at most; zero tries once
     * @throws SCardException {@link HResult#E_FAIL} when the lock could not be taken within {@code timeout};
     *         {@link HResult#E_INVALIDARG} for a null or negative timeout
     */
    void lock(Duration timeout);

    /**
     * Models {@code SCardUnlock} with its SDK default disposition, {@link Disposition#LEAVE}.
     *
     * @throws SCardException {@link HResult#SCARD_E_NOT_TRANSACTED} when this manager holds no lock
     */
    void unlock();

    /**
     * Models {@code SCardUnlock}: releases the lock and leaves the card as {@code disposition} says.
     * {@link Disposition#RESET} and {@link Disposition#UNPOWER} keep this attachment usable (other connections
     * see {@link HResult#SCARD_W_RESET_CARD}); {@link Disposition#EJECT} removes the card where the reader can,
     * and fails with {@link HResult#SCARD_E_CANT_DISPOSE} where it cannot.
     *
     * @throws SCardException {@link HResult#SCARD_E_NOT_TRANSACTED} when this manager holds no lock;
     *         {@link HResult#E_INVALIDARG} for a null disposition
     */
    void unlock(Disposition disposition);

    /**
     * Models {@code Status}: the card's state and active protocol (the contract's out-parameters), plus the
     * reader's name and the ATR. A reader attachment with no card reports {@link CardState#ABSENT} and
     * {@link Protocol#UNDEFINED}; after the card was removed under a card attachment, the same.
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE} when not attached
     */
    CardStatus status();

    /**
     * Whether this manager is attached (to a card or a reader). An addition to the contract; never throws.
     */
    boolean isAttached();

    /**
     * Whether this manager holds the lock ({@link #lock()}, {@code SCardLock}) on its card now: from a successful
     * {@code lock} until {@link #unlock()}, a {@link #reconnect()} (which ends the transaction) or the end of the
     * attachment. For an interface factory's view (see {@link SCardInterfaceFactory}), whether the manager it belongs
     * to holds the lock; {@code false} once that attachment has ended. A card service asks it before it would end a
     * transaction its caller holds (a warm reset that clears a security state ends it). An addition to the contract;
     * never throws.
     *
     * @since 1.1
     */
    boolean isLocked();

    /**
     * Exchanges one command APDU with the attached card (an addition to the contract, modelled on the base
     * provider's {@code ISCard::Transaction}). Short and extended APDUs are accepted (ISO 7816-4 cases 1 to 4,
     * at most 65,544 bytes). Under T=0, status words {@code 61xx} (GET RESPONSE, with a class byte derived
     * from the command's) and {@code 6Cxx} (resend with the right Le) are handled here, so the caller gets the
     * complete response.
     *
     * @param commandApdu the command; neither changed nor kept
     * @return the response data followed by the two status-word bytes (a new array)
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null or malformed APDU (the message says what
     *         is wrong); {@link HResult#SCARD_E_INVALID_HANDLE} when not attached;
     *         {@link HResult#SCARD_E_NO_SMARTCARD} on a reader attachment
     */
    byte[] transmit(byte[] commandApdu);

    /**
     * Models {@code CreateFileAccess}: a file-system interface over the attached card, made by the best-ranked
     * {@link SCardInterfaceFactory} registered with the name {@code ISCardFileAccess} <em>or</em> the GUID
     * {@link ISCardFileAccess#IID} (the two count alike) whose ATR pattern, if it has one, matches the card; the
     * generic ISO 7816-4 one of {@code dev.scard.card-services} is the fallback. Each call returns a fresh object
     * that dies with this attachment: once the manager detaches (or is released), its calls fail with
     * {@link HResult#SCARD_E_INVALID_HANDLE}; a {@link #reconnect()} keeps it working.
     *
     * @throws SCardException {@link HResult#SCARD_E_INVALID_HANDLE} when not attached;
     *         {@link HResult#SCARD_E_NO_SMARTCARD} on a reader attachment with no card;
     *         {@link HResult#SCARD_W_REMOVED_CARD} when the card was removed (until {@link #reconnect()});
     *         {@link HResult#E_NOINTERFACE} when no factory matches (the message names what was asked and points
     *         at {@code dev.scard.card-services}); {@link HResult#E_FAIL} when the factory failed or returned
     *         nothing (a factory's own {@link SCardException} is passed on as it is)
     */
    ISCardFileAccess createFileAccess();

    /**
     * Models {@code CreateCHVerification}: a card-holder verification (PIN) interface, by the name
     * {@code ISCardVerify} or {@link ISCardVerify#IID}; see {@link #createFileAccess()} for the rules.
     */
    ISCardVerify createCHVerification();

    /**
     * Models {@code CreateCardAuth}: an authentication interface, by the name {@code ISCardAuth} or
     * {@link ISCardAuth#IID}; see {@link #createFileAccess()} for the rules.
     */
    ISCardAuth createCardAuth();

    /**
     * Models {@code CreateInterface}: finds the best-ranked {@link SCardInterfaceFactory} on the service registry
     * whose {@link SCardServiceProperties#INTERFACE_GUID} equals {@code interfaceId} and whose ATR pattern (if any)
     * matches the attached card; when no such factory exists (or {@code interfaceId} is null), the best-ranked one
     * whose {@link SCardServiceProperties#INTERFACE_NAME} equals {@code name}. So when both are given and match
     * different factories, the GUID wins whatever the rankings; the name is the fallback "used when no GUID is
     * available". A GUID that is one of the IIDs of {@link ISCardFileAccess}, {@link ISCardVerify} and
     * {@link ISCardAuth} (or, without a GUID, one of their names) makes the same request as the corresponding
     * {@code create*} method. The factory gets {@code userData} and a view of this manager limited to the current
     * attachment (see {@link SCardInterfaceFactory}); the interface dies with the attachment as
     * {@link #createFileAccess()} describes.
     *
     * @param interfaceId the interface's GUID, or null to select by name
     * @param name the interface's name (standard value {@code "CryptoProvider"}), or null when a GUID is given
     * @param userData passed unchanged to the factory; may be null
     * @return the created interface
     * @throws SCardException {@link HResult#E_NOINTERFACE} when no factory matches (the message names the GUID
     *         and name asked for); {@link HResult#E_INVALIDARG} when both {@code interfaceId} and {@code name} are
     *         null, or {@code name} is blank without a GUID; the other failures of {@link #createFileAccess()}
     */
    Object createInterface(UUID interfaceId, String name, Object userData);
}
