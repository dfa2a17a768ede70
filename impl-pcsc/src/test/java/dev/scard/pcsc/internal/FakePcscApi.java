package dev.scard.pcsc.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * An in-memory PC/SC service and client library with pcsc-lite's behaviour as the backend meets it: contexts that
 * die when the service stops, per-handle transactions, sharing checks, pcscd's SCardConnect waiting while the card
 * is in a transaction, insertion counters in the state words, and pending reset/removal notices per handle. With
 * {@link #blockingLibrary} (pcsc-lite's default) SCardTransmit, SCardStatus, SCardReconnect and
 * SCardBeginTransaction wait while another handle holds the transaction, polling until it ends or their handle is
 * disconnected (then {@code SCARD_E_INVALID_HANDLE}); without it they return {@code SCARD_E_SHARING_VIOLATION}
 * (SCardBeginTransaction always waits, as in pcsc-lite). SCardGetAttrib never waits. SCardGetStatusChange waits up
 * to its timeout for a reader's presence or event counter to differ from the known state (sharing bits are not
 * compared, as pcsc-lite does not wake for a reader that became in use), or, for the PnP reader, for a reader to
 * be added or removed during the call; SCardCancel ends it.
 */
final class FakePcscApi implements PcscApi {

    static final int RESET = 1;
    static final int REMOVED = 2;

    private final PcscPlatform platform;
    private final Object lock = new Object();
    private final Map<Long, Integer> contexts = new HashMap<>();
    private final Map<String, Reader> readers = new LinkedHashMap<>();
    private final Map<Long, Handle> handles = new HashMap<>();
    /** Contexts whose waiting SCardGetStatusChange was cancelled. */
    private final java.util.Set<Long> cancelled = new java.util.HashSet<>();
    /** Contexts waiting in SCardGetStatusChange now. */
    private final java.util.Set<Long> waiting = new java.util.HashSet<>();
    /** Counts reader additions and removals (what the PnP reader reports). */
    private int readerChanges;
    /** SCardGetStatusChange calls with a timeout that returned (woke up), for tests that count wake-ups. */
    private int wakeups;
    private final AtomicInteger inCalls = new AtomicInteger();
    private final List<String> log = new ArrayList<>();
    private long nextId = 0x1000;
    private boolean serviceUp = true;
    private int generation = 1;
    volatile boolean blockingLibrary = true;
    /** False: SCardGetStatusChange rejects the PnP reader with SCARD_E_UNKNOWN_READER (libraries without it). */
    volatile boolean knowsPnp = true;
    /** Set: SCardCancel blocks until it counts down (a wedged service), outside the fake's lock. */
    volatile java.util.concurrent.CountDownLatch cancelBlocker;
    /** SCardGetStatusChange calls so far. */
    final AtomicInteger statusCalls = new AtomicInteger();
    /** The names of the threads that called SCardConnect, in order. */
    final List<String> connectThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile UnaryOperator<byte[]> card = VpcdTestCard::defaultAnswer;
    /**
     * Not 0: every SCardTransmit that reaches the card returns this code instead of an answer (pcsc-lite returns
     * {@code SCARD_E_NOT_TRANSACTED} when the driver failed the exchange, e.g. because the card program behind vpcd
     * died), while the reader still shows the card.
     */
    volatile int transmitFails;
    /**
     * How many of the next SCardListReaders calls return pcsc-lite's {@code SCARD_W_SECURITY_VIOLATION} (its client
     * library's answer when pcscd reset the socket, as a stopping or restarting pcscd does); each one also makes the
     * context it was called in unusable, as such a socket is.
     */
    final AtomicInteger socketResets = new AtomicInteger();
    /**
     * Set: an SCardTransmit whose command this accepts does not return until {@link #hangRelease} counts down (a card
     * that never answers), outside the fake's lock; meanwhile every other call on the same context waits for it, as
     * pcsc-lite serializes the calls on a context.
     */
    volatile java.util.function.Predicate<byte[]> hangs;
    final java.util.concurrent.CountDownLatch hangRelease = new java.util.concurrent.CountDownLatch(1);
    /** SCardTransmit calls hanging now. */
    final AtomicInteger hanging = new AtomicInteger();
    /** Contexts with a call hanging in them. */
    private final java.util.Set<Long> busyContexts = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final class Reader {
        boolean present;
        byte[] atr = new byte[0];
        int counter;
        /** The protocols the card speaks (platform values), and the one fixed by the first connection (0: none). */
        int speaks = PcscPlatform.PROTOCOL_T1;
        long fixed;
        long exclusive;
        long lockHolder;
    }

    private static final class Handle {
        final long context;
        final String reader;
        int share;
        long protocol;
        int event;
        boolean open = true;

        Handle(long context, String reader, int share, long protocol) {
            this.context = context;
            this.reader = reader;
            this.share = share;
            this.protocol = protocol;
        }
    }

    FakePcscApi(PcscPlatform platform, String... readerNames) {
        this.platform = platform;
        for (String name : readerNames) {
            readers.put(name, new Reader());
        }
    }

    // ---------------------------------------------------------------- control

    void insert(String reader, byte[] atr) {
        synchronized (lock) {
            Reader r = readers.get(reader);
            r.present = true;
            r.atr = atr.clone();
            r.counter++;
            r.fixed = 0;
            lock.notifyAll();
        }
    }

    void remove(String reader) {
        synchronized (lock) {
            Reader r = readers.get(reader);
            r.present = false;
            r.atr = new byte[0];
            r.counter++;
            r.lockHolder = 0;
            r.fixed = 0;
            for (Handle h : handles.values()) {
                if (h.reader.equals(reader)) {
                    h.event = REMOVED;
                }
            }
            lock.notifyAll();
        }
    }

    void addReader(String reader) {
        synchronized (lock) {
            readers.put(reader, new Reader());
            readerChanges++;
            lock.notifyAll();
        }
    }

    void removeReader(String reader) {
        synchronized (lock) {
            readers.remove(reader);
            readerChanges++;
            lock.notifyAll();
        }
    }

    /** Whether a thread waits in SCardGetStatusChange on some context now. */
    boolean someoneWaits() {
        synchronized (lock) {
            return !waiting.isEmpty();
        }
    }

    /** Waits until a thread waits in SCardGetStatusChange (the monitor went back to sleep). */
    void awaitWaiter() throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        synchronized (lock) {
            while (waiting.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("nobody waits in SCardGetStatusChange");
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    void speaks(String reader, int protocols) {
        synchronized (lock) {
            readers.get(reader).speaks = protocols;
        }
    }

    /** Stops the service: every context and handle dies. */
    void stopService() {
        synchronized (lock) {
            serviceUp = false;
            for (Reader r : readers.values()) {
                r.lockHolder = 0;
                r.exclusive = 0;
                r.fixed = 0;
            }
            lock.notifyAll();
        }
    }

    /** Starts the service again; old contexts stay dead. The cards are powered up anew. */
    void startService() {
        synchronized (lock) {
            serviceUp = true;
            generation++;
            for (Reader r : readers.values()) {
                r.counter = r.present ? 1 : 0;
                r.fixed = 0;
            }
        }
    }

    /** The client library forgets every context (as if it was reinitialized): they are no longer valid. */
    void forgetContexts() {
        synchronized (lock) {
            contexts.clear();
        }
    }

    /** Library calls running now (a thread inside one is "in native code"). */
    int callsRunning() {
        return inCalls.get();
    }

    /** Contexts not released. */
    int openContexts() {
        synchronized (lock) {
            return contexts.size();
        }
    }

    /** Handles not disconnected. */
    int openHandles() {
        synchronized (lock) {
            return (int) handles.values().stream().filter(h -> h.open).count();
        }
    }

    /** The calls made so far, e.g. {@code SCardReconnect(LEAVE)}. */
    List<String> log() {
        synchronized (lock) {
            return List.copyOf(log);
        }
    }

    // ---------------------------------------------------------------- PcscApi

    @Override
    public PcscPlatform platform() {
        return platform;
    }

    @Override
    public String description() {
        return "fake";
    }

    @Override
    public int establishContext(long[] context) {
        return call(() -> {
            if (!serviceUp) {
                return PcscErrors.E_NO_SERVICE;
            }
            long id = nextId++;
            contexts.put(id, generation);
            context[0] = id;
            log.add("SCardEstablishContext");
            return 0;
        });
    }

    @Override
    public int releaseContext(long context) {
        awaitContextFree(context);
        return call(() -> {
            Integer gen = contexts.remove(context);
            if (gen == null) {
                return PcscErrors.E_INVALID_HANDLE;
            }
            handles.entrySet().removeIf(e -> {
                if (e.getValue().context == context) {
                    close(e.getKey(), e.getValue());
                    return true;
                }
                return false;
            });
            lock.notifyAll();
            return gen == generation && serviceUp ? 0 : PcscErrors.E_NO_SERVICE;
        });
    }

    @Override
    public int isValidContext(long context) {
        return call(() -> contexts.containsKey(context) ? 0 : PcscErrors.E_INVALID_HANDLE);
    }

    @Override
    public int listReaders(long context, List<String> names) {
        return call(() -> {
            int check = checkContext(context);
            if (check != 0) {
                return check;
            }
            if (socketResets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                contexts.put(context, generation - 1); // this context's socket is gone
                return PcscErrors.W_SECURITY_VIOLATION;
            }
            if (readers.isEmpty()) {
                return PcscErrors.E_NO_READERS_AVAILABLE;
            }
            names.addAll(readers.keySet());
            return 0;
        });
    }

    @Override
    public int getStatusChange(long context, int timeoutMillis, ReaderState[] states) {
        statusCalls.incrementAndGet();
        return call(() -> {
            int check = checkContext(context);
            if (check != 0) {
                return check;
            }
            for (ReaderState state : states) {
                if (!PNP_NOTIFICATION.equals(state.readerName) && !readers.containsKey(state.readerName)
                        || PNP_NOTIFICATION.equals(state.readerName) && !knowsPnp) {
                    return PcscErrors.E_UNKNOWN_READER;
                }
            }
            int changesAtStart = readerChanges;
            long deadline = timeoutMillis == INFINITE ? Long.MAX_VALUE
                    : System.nanoTime() + timeoutMillis * 1_000_000L;
            cancelled.remove(context);
            waiting.add(context);
            lock.notifyAll();
            try {
                for (;;) {
                    boolean changed = false;
                    for (ReaderState state : states) {
                        if (PNP_NOTIFICATION.equals(state.readerName)) {
                            state.eventState = readerChanges != changesAtStart ? PcscPlatform.STATE_CHANGED : 0;
                            changed |= readerChanges != changesAtStart;
                            continue;
                        }
                        Reader r = readers.get(state.readerName);
                        if (r == null) {
                            state.eventState = PcscPlatform.STATE_UNKNOWN | PcscPlatform.STATE_CHANGED;
                            changed = true;
                            continue;
                        }
                        long flags = PcscPlatform.STATE_CHANGED;
                        if (r.present) {
                            flags |= PcscPlatform.STATE_PRESENT;
                            if (r.exclusive != 0) {
                                flags |= PcscPlatform.STATE_EXCLUSIVE;
                            } else if (handles.values().stream()
                                    .anyMatch(h -> live(h) && h.reader.equals(state.readerName))) {
                                flags |= PcscPlatform.STATE_INUSE;
                            }
                        } else {
                            flags |= PcscPlatform.STATE_EMPTY;
                        }
                        state.eventState = platform.hasEventCounter() ? ((long) r.counter << 16) | flags : flags;
                        state.atr = r.atr.clone();
                        int known = state.currentState;
                        boolean knownPresent = (known & PcscPlatform.STATE_PRESENT) != 0;
                        boolean knownEmpty = (known & PcscPlatform.STATE_EMPTY) != 0;
                        boolean counterDiffers = platform.hasEventCounter() && ((known >>> 16) & 0xFFFF) != r.counter;
                        changed |= known == 0 || knownPresent != r.present || knownEmpty == r.present
                                || counterDiffers;
                    }
                    if (changed) {
                        return 0;
                    }
                    if (cancelled.remove(context)) {
                        return PcscErrors.E_CANCELLED;
                    }
                    if (checkContext(context) != 0) {
                        return checkContext(context) == PcscErrors.E_NO_SERVICE ? PcscErrors.E_NO_SERVICE
                                : PcscErrors.E_INVALID_HANDLE;
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return PcscErrors.E_TIMEOUT;
                    }
                    lock.wait(Math.max(1, Math.min(left / 1_000_000, 1000)));
                }
            } finally {
                waiting.remove(context);
                if (timeoutMillis != 0) {
                    wakeups++;
                }
            }
        });
    }

    /** How many SCardGetStatusChange calls with a timeout have returned so far. */
    int wakeups() {
        synchronized (lock) {
            return wakeups;
        }
    }

    @Override
    public int cancel(long context) {
        java.util.concurrent.CountDownLatch blocker = cancelBlocker;
        if (blocker != null) {
            try {
                blocker.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return call(() -> {
            if (!contexts.containsKey(context)) {
                return PcscErrors.E_INVALID_HANDLE;
            }
            if (waiting.contains(context)) { // as pcsc-lite: a cancel with nobody waiting is lost
                cancelled.add(context);
                lock.notifyAll();
            }
            return 0;
        });
    }

    @Override
    public int connect(long context, String readerName, int shareMode, int preferred, long[] out) {
        return call(() -> {
            int check = checkContext(context);
            if (check != 0) {
                return check;
            }
            log.add("SCardConnect(" + readerName + ", " + shareMode + ", " + preferred + ")");
            connectThreads.add(Thread.currentThread().getName());
            Reader r = readers.get(readerName);
            if (r == null) {
                return PcscErrors.E_UNKNOWN_READER;
            }
            if (r.exclusive != 0) {
                return PcscErrors.E_SHARING_VIOLATION;
            }
            // pcscd: wait until a possible transaction is finished (no way to abort it)
            while (r.lockHolder != 0) {
                lock.wait(5);
            }
            if (!r.present) {
                return PcscErrors.E_NO_SMARTCARD;
            }
            long protocol;
            if ((preferred & platform.protocolRaw()) != 0) {
                protocol = platform.protocolRaw();
            } else if (r.fixed != 0) {
                if ((preferred & r.fixed) == 0) {
                    return PcscErrors.E_PROTO_MISMATCH;
                }
                protocol = r.fixed;
            } else if ((preferred & r.speaks & PcscPlatform.PROTOCOL_T1) != 0) {
                protocol = PcscPlatform.PROTOCOL_T1;
            } else if ((preferred & r.speaks & PcscPlatform.PROTOCOL_T0) != 0) {
                protocol = PcscPlatform.PROTOCOL_T0;
            } else {
                return PcscErrors.E_PROTO_MISMATCH;
            }
            boolean others = handles.values().stream().anyMatch(h -> live(h) && h.reader.equals(readerName));
            if (shareMode == PcscPlatform.SHARE_EXCLUSIVE && others) {
                return PcscErrors.E_SHARING_VIOLATION;
            }
            r.fixed = protocol;
            long id = nextId++;
            handles.put(id, new Handle(context, readerName, shareMode, protocol));
            if (shareMode == PcscPlatform.SHARE_EXCLUSIVE) {
                r.exclusive = id;
            }
            out[0] = id;
            out[1] = protocol;
            return 0;
        });
    }

    @Override
    public int reconnect(long handle, int shareMode, int preferred, int initialization, long[] active) {
        awaitContextFree(contextOf(handle));
        return call(() -> {
            for (;;) {
                int check = checkHandle(handle);
                if (check != 0) {
                    return check;
                }
                Handle h = handles.get(handle);
                Reader r = readers.get(h.reader);
                if (r.lockHolder != 0 && r.lockHolder != handle) {
                    if (!blockingLibrary) {
                        return PcscErrors.E_SHARING_VIOLATION;
                    }
                    lock.wait(5);
                    continue;
                }
                if (!r.present) {
                    return PcscErrors.E_NO_SMARTCARD;
                }
                boolean others = handles.entrySet().stream()
                        .anyMatch(e -> e.getKey() != handle && live(e.getValue()) && e.getValue().reader.equals(h.reader));
                if (shareMode == PcscPlatform.SHARE_EXCLUSIVE && others) {
                    return PcscErrors.E_SHARING_VIOLATION;
                }
                if (initialization != 0) {
                    resetCard(h.reader, handle);
                }
                long protocol = (preferred & platform.protocolRaw()) != 0 ? platform.protocolRaw()
                        : (preferred & r.speaks & PcscPlatform.PROTOCOL_T1) != 0 ? PcscPlatform.PROTOCOL_T1
                        : PcscPlatform.PROTOCOL_T0;
                h.protocol = protocol;
                h.share = shareMode;
                h.event = 0;
                r.exclusive = shareMode == PcscPlatform.SHARE_EXCLUSIVE ? handle : r.exclusive == handle ? 0
                        : r.exclusive;
                log.add("SCardReconnect(" + shareMode + ", " + initialization + ")");
                active[0] = protocol;
                return 0;
            }
        });
    }

    @Override
    public int disconnect(long handle, int disposition) {
        awaitContextFree(contextOf(handle));
        return call(() -> {
            int check = checkHandle(handle);
            if (check != 0) {
                return check;
            }
            Handle h = handles.get(handle);
            Reader r = readers.get(h.reader);
            if (disposition != 0) {
                while (r != null && r.lockHolder != 0 && r.lockHolder != handle && h.open) {
                    lock.wait(5); // pcscd waits for the other transaction before a reset
                }
                if (disposition != 3 && r != null && r.present && h.event == 0) {
                    resetCard(h.reader, 0);
                }
            }
            log.add("SCardDisconnect(" + disposition + ")");
            handles.remove(handle);
            close(handle, h);
            lock.notifyAll();
            return 0;
        });
    }

    @Override
    public int beginTransaction(long handle) {
        awaitContextFree(contextOf(handle));
        return call(() -> {
            for (;;) {
                int check = checkHandle(handle);
                if (check != 0) {
                    return check;
                }
                Handle h = handles.get(handle);
                if (h.event != 0) {
                    return h.event == RESET ? PcscErrors.W_RESET_CARD : PcscErrors.W_REMOVED_CARD;
                }
                Reader r = readers.get(h.reader);
                if (r.lockHolder == 0 || r.lockHolder == handle) {
                    r.lockHolder = handle;
                    return 0;
                }
                lock.wait(5); // pcsc-lite's client polls (every 100 ms) until the card is free
            }
        });
    }

    @Override
    public int endTransaction(long handle, int disposition) {
        awaitContextFree(contextOf(handle));
        return call(() -> {
            int check = checkHandle(handle);
            if (check != 0) {
                return check;
            }
            Handle h = handles.get(handle);
            if (h.event != 0) {
                return h.event == RESET ? PcscErrors.W_RESET_CARD : PcscErrors.W_REMOVED_CARD;
            }
            Reader r = readers.get(h.reader);
            if (r.lockHolder != handle) {
                return PcscErrors.E_NOT_TRANSACTED;
            }
            r.lockHolder = 0;
            lock.notifyAll();
            log.add("SCardEndTransaction(" + disposition + ")");
            if (disposition == 3) {
                return platform.os() == PcscPlatform.Os.WINDOWS ? 0x80100022 : 0x8010001F;
            }
            if (disposition != 0) {
                resetCard(h.reader, 0); // pcsc-lite notifies the resetting handle too
            }
            return 0;
        });
    }

    @Override
    public int status(long handle, StatusResult out) {
        awaitContextFree(contextOf(handle));
        return call(() -> {
            log.add("SCardStatus");
            for (;;) {
                int check = checkHandle(handle);
                if (check != 0) {
                    return check;
                }
                Handle h = handles.get(handle);
                Reader r = readers.get(h.reader);
                if (r.lockHolder != 0 && r.lockHolder != handle) {
                    if (!blockingLibrary) {
                        return PcscErrors.E_SHARING_VIOLATION;
                    }
                    lock.wait(5);
                    continue;
                }
                if (h.event != 0) {
                    return h.event == RESET ? PcscErrors.W_RESET_CARD : PcscErrors.W_REMOVED_CARD;
                }
                long bits = platform.os() == PcscPlatform.Os.WINDOWS ? 5 : 0x34;
                out.state = platform.hasEventCounter() ? ((long) r.counter << 16) | bits : bits;
                out.protocol = h.protocol;
                out.atr = r.atr.clone();
                return 0;
            }
        });
    }

    @Override
    public int getAttrib(long handle, int attribute, byte[][] value) {
        awaitContextFree(contextOf(handle));
        return call(() -> {
            int check = checkHandle(handle);
            if (check != 0) {
                return check;
            }
            Handle h = handles.get(handle);
            Reader r = readers.get(h.reader);
            if (r.lockHolder != 0 && r.lockHolder != handle) {
                return PcscErrors.E_SHARING_VIOLATION;
            }
            if (h.event != 0) {
                return h.event == RESET ? PcscErrors.W_RESET_CARD : PcscErrors.W_REMOVED_CARD;
            }
            return 0x8010001F;
        });
    }

    @Override
    public TransmitBuffer newTransmitBuffer() {
        return new FakeBuffer();
    }

    private static final class FakeBuffer implements TransmitBuffer {
        byte[] answer = new byte[0];

        @Override
        public byte[] response() {
            return answer.clone();
        }

        @Override
        public void close() {
            answer = null;
        }
    }

    @Override
    public int transmit(long handle, int activeProtocol, byte[] command, TransmitBuffer buffer) {
        java.util.function.Predicate<byte[]> hang = hangs;
        if (hang != null && hang.test(command)) {
            long context = contextOf(handle);
            awaitContextFree(context);
            busyContexts.add(context);
            hanging.incrementAndGet();
            try {
                awaitUninterruptibly(hangRelease);
            } finally {
                hanging.decrementAndGet();
                busyContexts.remove(context);
            }
        } else {
            awaitContextFree(contextOf(handle));
        }
        return call(() -> {
            for (;;) {
                int check = checkHandle(handle);
                if (check != 0) {
                    return check;
                }
                Handle h = handles.get(handle);
                Reader r = readers.get(h.reader);
                if (r.lockHolder != 0 && r.lockHolder != handle) {
                    if (!blockingLibrary) {
                        return PcscErrors.E_SHARING_VIOLATION;
                    }
                    lock.wait(5);
                    continue;
                }
                if (h.event != 0) {
                    return h.event == RESET ? PcscErrors.W_RESET_CARD : PcscErrors.W_REMOVED_CARD;
                }
                if (activeProtocol != h.protocol) {
                    return PcscErrors.E_PROTO_MISMATCH;
                }
                int fails = transmitFails;
                if (fails != 0) {
                    ((FakeBuffer) buffer).answer = new byte[0];
                    return fails;
                }
                ((FakeBuffer) buffer).answer = card.apply(command.clone());
                return 0;
            }
        });
    }

    // ---------------------------------------------------------------- per-context serialization

    private long contextOf(long handle) {
        synchronized (lock) {
            Handle h = handles.get(handle);
            return h == null ? 0 : h.context;
        }
    }

    /** Waits (outside the fake's lock) while a call hangs on {@code context}. */
    private void awaitContextFree(long context) {
        boolean interrupted = false;
        while (context != 0 && busyContexts.contains(context)) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                interrupted = true; // a native call cannot be interrupted
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitUninterruptibly(java.util.concurrent.CountDownLatch latch) {
        boolean interrupted = false;
        for (;;) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- internals (lock held)

    private interface Body {
        int run() throws InterruptedException;
    }

    private int call(Body body) {
        inCalls.incrementAndGet();
        try {
            synchronized (lock) {
                return body.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a native call cannot be interrupted; tests never do it here
            return PcscErrors.F_INTERNAL_ERROR;
        } finally {
            inCalls.decrementAndGet();
        }
    }

    private int checkContext(long context) {
        Integer gen = contexts.get(context);
        if (gen == null) {
            return PcscErrors.E_INVALID_HANDLE;
        }
        return serviceUp && gen == generation ? 0 : PcscErrors.E_NO_SERVICE;
    }

    private int checkHandle(long handle) {
        Handle h = handles.get(handle);
        if (h == null || !h.open) {
            return PcscErrors.E_INVALID_HANDLE;
        }
        return checkContext(h.context);
    }

    private boolean live(Handle h) {
        return h.open && checkContext(h.context) == 0;
    }

    private void close(long id, Handle h) {
        h.open = false;
        Reader r = readers.get(h.reader);
        if (r != null) {
            if (r.lockHolder == id) {
                r.lockHolder = 0;
            }
            if (r.exclusive == id) {
                r.exclusive = 0;
            }
        }
    }

    private void resetCard(String reader, long except) {
        Reader r = readers.get(reader);
        r.fixed = 0;
        for (Map.Entry<Long, Handle> e : handles.entrySet()) {
            if (live(e.getValue()) && e.getValue().reader.equals(reader) && e.getKey() != except
                    && e.getValue().event == 0) {
                e.getValue().event = RESET;
            }
        }
        r.lockHolder = 0;
        lock.notifyAll();
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "FakePcscApi[" + readers.keySet() + ", handles " + handles.keySet() + ", contexts "
                    + contexts.keySet() + ", up " + serviceUp + "] " + Arrays.toString(log.toArray());
        }
    }
}
