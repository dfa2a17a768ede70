package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

import dev.scard.core.spi.Backend;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.testsupport.Workers;

/**
 * The manager's lock is exactly the backend's transaction under any interleaving of its threads and of other
 * managers: many threads of several managers lock, unlock, reconnect and transmit at random on one card whose
 * model is a witness. After each successful {@code lock()} (when no unlock or reconnect of the same manager could
 * have come between) a thread tells the card "this manager holds the lock"; the card checks that the sender's
 * connection really holds the transaction, and that no other manager's command arrives until the holder says it is
 * about to unlock. The backend models PC/SC's transaction: one per card, per connection, not nested.
 */
class LockConsistencyTest {

    private static final int MANAGERS = 4;
    private static final int THREADS_PER_MANAGER = 2;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

    @Test
    void aManagersLockIsAlwaysTheBackendsTransaction() throws Exception {
        WitnessBackend backend = new WitnessBackend();
        HandleTable handles = new HandleTable();
        List<Client> clients = new ArrayList<>();
        for (int id = 1; id <= MANAGERS; id++) {
            CardManager manager = new CardManager(backend, handles);
            manager.attachByIfd("R");
            clients.add(new Client(id, manager));
        }
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        Workers workers = new Workers();
        long end = System.nanoTime() + RUN_NANOS;
        for (Client client : clients) {
            for (int t = 0; t < THREADS_PER_MANAGER; t++) {
                Random random = new Random(client.id * 31L + t);
                workers.start("client-" + client.id + "-" + t, () -> {
                    try {
                        while (System.nanoTime() < end) {
                            client.step(random);
                        }
                        if (client.running.decrementAndGet() == 0) {
                            client.release(client.manager::unlock, true); // the others must not wait for it
                        }
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                    return null;
                });
            }
        }
        workers.assertAllEnded(Duration.ofSeconds(30));
        assertThat(unexpected).isEmpty();
        assertThat(backend.violations).as("exclusivity violations seen by the card").isEmpty();
        assertThat(clients.stream().mapToLong(c -> c.locks.get()).sum()).as("locks taken").isPositive();
        assertThat(clients.stream().mapToLong(c -> c.claims.get()).sum()).as("locks checked by the card").isPositive();
    }

    /** One manager used by several threads; the read-write lock only orders the test's bookkeeping. */
    private static final class Client {
        final int id;
        final CardManager manager;
        /** Counts this manager's successful unlocks and reconnects: a lock taken across one may be gone. */
        final AtomicInteger releases = new AtomicInteger();
        final AtomicBoolean claimed = new AtomicBoolean();
        final ReentrantReadWriteLock bookkeeping = new ReentrantReadWriteLock();
        final AtomicLong locks = new AtomicLong();
        final AtomicLong claims = new AtomicLong();
        final AtomicInteger running = new AtomicInteger(THREADS_PER_MANAGER);

        Client(int id, CardManager manager) {
            this.id = id;
            this.manager = manager;
        }

        void step(Random random) {
            switch (random.nextInt(5)) {
                case 0, 1 -> lock(random);
                case 2 -> release(() -> manager.unlock(), true);
                case 3 -> release(() -> manager.reconnect(), false);
                default -> manager.transmit(command(0x12));
            }
        }

        private void lock(Random random) {
            int before = releases.get();
            try {
                if (random.nextBoolean()) {
                    manager.lock(Duration.ofMillis(random.nextInt(5)));
                } else {
                    manager.lock();
                }
            } catch (SCardException e) {
                // Timed out, or a reconnect of this manager ended the transaction while it was being begun.
                assertThat(e.code()).isIn(HResult.E_FAIL, HResult.SCARD_E_INVALID_HANDLE);
                return;
            }
            locks.incrementAndGet();
            bookkeeping.readLock().lock();
            try {
                if (releases.get() == before && claimed.compareAndSet(false, true)) {
                    manager.transmit(command(0x10)); // "I hold the lock": the card checks the transaction
                    claims.incrementAndGet();
                }
            } finally {
                bookkeeping.readLock().unlock();
            }
        }

        void release(Runnable unlockOrReconnect, boolean mustHold) {
            bookkeeping.writeLock().lock();
            try {
                boolean wasClaimed = claimed.getAndSet(false);
                if (wasClaimed) {
                    manager.transmit(command(0x11)); // "I am about to let go"
                }
                try {
                    unlockOrReconnect.run();
                    releases.incrementAndGet();
                } catch (SCardException e) {
                    // Unlock without a lock; but a lock the card saw held must end cleanly.
                    assertThat(e.code()).isEqualTo(HResult.SCARD_E_NOT_TRANSACTED);
                    assertThat(wasClaimed && mustHold).as("unlock of a lock the card saw held failed: %s", e)
                            .isFalse();
                }
            } finally {
                bookkeeping.writeLock().unlock();
            }
        }

        private byte[] command(int ins) {
            return new byte[] {(byte) 0x80, (byte) ins, 0, 0, 1, (byte) id};
        }
    }

    /** One reader, one card with PC/SC-like transactions, and a card model that checks exclusivity. */
    private static final class WitnessBackend implements Backend {
        final ReentrantLock card = new ReentrantLock();
        final Condition changed = card.newCondition();
        /** The connection holding the transaction, or null; under {@link #card}. */
        WitnessConnection owner;
        /** The client that told the card it holds the lock, or 0; under {@link #card}. */
        int claimedBy;
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();

        @Override
        public String name() {
            return "witness";
        }

        @Override
        public Duration callTimeout() {
            return Duration.ofSeconds(5);
        }

        @Override
        public List<ReaderInfo> listReaders() {
            return List.of(readerInfo("R"));
        }

        @Override
        public ReaderInfo readerInfo(String readerName) {
            return new ReaderInfo("R", "witness", CardState.SPECIFIC_MODE, new byte[] {0x3B, 0}, false);
        }

        @Override
        public ReaderConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
            return new WitnessConnection();
        }

        /** Waits (card lock held) until {@code connection} may use the card; false on timeout. */
        boolean awaitTurn(WitnessConnection connection, long timeoutNanos) {
            long remaining = timeoutNanos;
            while (owner != null && owner != connection) {
                if (remaining <= 0) {
                    return false;
                }
                try {
                    remaining = changed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SCardException(HResult.SCARD_E_CANCELLED, "interrupted");
                }
            }
            return true;
        }

        final class WitnessConnection implements ReaderConnection {
            boolean closed;

            @Override
            public String readerName() {
                return "R";
            }

            @Override
            public ShareMode shareMode() {
                return ShareMode.SHARED;
            }

            @Override
            public CardStatus status() {
                return new CardStatus(CardState.SPECIFIC_MODE, Protocol.T1, "R", new byte[] {0x3B, 0});
            }

            @Override
            public byte[] transmit(byte[] command) {
                card.lock();
                try {
                    requireOpen();
                    if (!awaitTurn(this, TimeUnit.SECONDS.toNanos(10))) {
                        throw new SCardException(HResult.SCARD_E_TIMEOUT, "the card stayed locked");
                    }
                    int client = command[5];
                    switch (command[1]) {
                        case 0x10 -> {
                            if (owner != this) {
                                violations.add("client " + client + " was told it holds the lock, but its"
                                        + " connection holds no transaction");
                            }
                            claimedBy = client;
                        }
                        case 0x11 -> {
                            if (claimedBy == client) {
                                claimedBy = 0;
                            }
                        }
                        default -> {
                            if (claimedBy != 0 && claimedBy != client) {
                                violations.add("a command of client " + client + " arrived while client "
                                        + claimedBy + " held the lock");
                            }
                        }
                    }
                    return new byte[] {(byte) 0x90, 0};
                } finally {
                    card.unlock();
                }
            }

            @Override
            public void reconnect(ShareMode shareMode, Set<Protocol> preferredProtocols, Disposition initialization) {
                card.lock();
                try {
                    requireOpen();
                    endIfOwner();
                } finally {
                    card.unlock();
                }
            }

            @Override
            public boolean beginTransaction(long timeoutNanos) {
                card.lock();
                try {
                    requireOpen();
                    if (!awaitTurn(this, timeoutNanos)) {
                        return false;
                    }
                    owner = this;
                    return true;
                } finally {
                    card.unlock();
                }
            }

            @Override
            public void endTransaction(Disposition disposition) {
                card.lock();
                try {
                    requireOpen();
                    if (owner != this) {
                        throw new SCardException(HResult.SCARD_E_NOT_TRANSACTED, "no transaction");
                    }
                    endIfOwner();
                } finally {
                    card.unlock();
                }
            }

            @Override
            public void disconnect(Disposition disposition) {
                card.lock();
                try {
                    closed = true;
                    endIfOwner();
                } finally {
                    card.unlock();
                }
            }

            private void endIfOwner() {
                if (owner == this) {
                    owner = null;
                    changed.signalAll();
                }
            }

            private void requireOpen() {
                if (closed) {
                    throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "closed");
                }
            }
        }
    }
}
