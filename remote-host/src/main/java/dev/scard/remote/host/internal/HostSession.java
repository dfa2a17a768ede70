package dev.scard.remote.host.internal;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import dev.scard.api.Disposition;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.remote.api.SessionToken;

/**
 * One session of the host: an {@link ISCardManage} attached to a reader for one client. The {@link SessionTable}
 * that made it owns its bookkeeping (last use, calls in progress) under the table's monitor; the manager is
 * thread-safe on its own and is used outside that monitor.
 */
final class HostSession {

    private final SessionToken token;
    private final String readerName;
    private final LocalCards.Manager manager;
    /** When a call last began or ended ({@link System#nanoTime()} scale); under the table's monitor. */
    long lastUse;
    /** How many calls with this session run now; under the table's monitor. */
    int calls;
    /** Whether the session was taken out of its table (closed or expired); under the table's monitor. */
    boolean ended;

    HostSession(SessionToken token, String readerName, LocalCards.Manager manager) {
        this.token = token;
        this.readerName = readerName;
        this.manager = manager;
    }

    SessionToken token() {
        return token;
    }

    String readerName() {
        return readerName;
    }

    ISCardManage manage() {
        return manager.manage();
    }

    /**
     * Ends the attachment and gives the manager back; never throws. For {@link Disposition#LEAVE} the manager's
     * detach releases a lock it holds (leaving the card) and closes its connection. For another disposition the
     * session first takes the card's transaction when it can at once (it may hold it already) and ends it with that
     * disposition; when another connection holds the transaction, or the card is gone or cannot be disposed of so,
     * the card is left as it is.
     *
     * @param disposition what to do with the card
     * @param stale asked right before a disposition other than {@code LEAVE} is applied: when it says true (the close
     *        came too late for it, see {@link CardHost#close}), the card is left as it is
     */
    void close(Disposition disposition, BooleanSupplier stale) {
        ISCardManage manage = manager.manage();
        try {
            if (disposition != null && disposition != Disposition.LEAVE) {
                if (!manage.isLocked()) {
                    manage.lock(Duration.ZERO);
                }
                manage.unlock(stale.getAsBoolean() ? Disposition.LEAVE : disposition);
            }
        } catch (SCardException | IllegalStateException e) {
            // Another connection holds the card, or the card is gone or cannot do it: leave it as it is.
        } finally {
            try {
                manage.detach();
            } catch (RuntimeException e) {
                // A manager whose backend stopped is detached already.
            } finally {
                try {
                    manager.release().run();
                } catch (RuntimeException e) {
                    // The manager's service is gone already (its bundle or the framework stopped).
                }
            }
        }
    }

    /** Ends the attachment leaving the card, and gives the manager back; never throws. */
    void close() {
        close(Disposition.LEAVE, () -> false);
    }
}
