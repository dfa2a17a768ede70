package dev.scard.remote.host.internal;

import java.util.List;
import java.util.function.LongSupplier;

import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardEvent;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.core.spi.Backend;
import dev.scard.remote.api.RemoteCardHost;

/**
 * The export side's {@link CardHost} for the tests: a host over a backend's managers, with a clock the test gives and
 * events the test appends ({@link #over}, used by impl-remote's tests through this module's test jar), and the
 * {@link LocalCards} over a backend ({@link #cards}).
 */
public final class TestHosts {

    private final CardHost host;
    private final SessionTable sessions;
    private final EventLog events = new EventLog(64);

    private TestHosts(Backend backend, String secret, long leaseMillis, LongSupplier clock) {
        LocalCards cards = cards(backend, new HandleTable(), () -> {
        });
        sessions = new SessionTable(leaseMillis, 64, clock);
        host = new CardHost(HostSecret.of(secret), cards, sessions, events, 10_000L);
    }

    /**
     * The readers of {@code backend} as a host serves them: its listing, and a new core manager over {@code handles}
     * per session, given back by {@code release}.
     */
    static LocalCards cards(Backend backend, HandleTable handles, Runnable release) {
        return new LocalCards() {
            @Override
            public List<ReaderInfo> listReaders() {
                return backend.listReaders();
            }

            @Override
            public Manager newManager() {
                return new Manager(new CardManager(backend, handles), release);
            }
        };
    }

    /** A host over {@code backend}'s readers. */
    public static TestHosts over(Backend backend, String secret, long leaseMillis, LongSupplier clock) {
        return new TestHosts(backend, secret, leaseMillis, clock);
    }

    /** The host service. */
    public RemoteCardHost service() {
        return host;
    }

    /** Appends an event of the served backend, as the component's listener does. */
    public void event(SCardEvent event) {
        events.append(event);
    }

    /** Closes the sessions whose lease expired; how many. */
    public int closeExpired() {
        return host.closeExpired();
    }

    /** How many sessions are open. */
    public int sessions() {
        return sessions.size();
    }

    /** Closes every session and wakes the event polls. */
    public void stop() {
        host.closeAll();
        events.close();
    }
}
