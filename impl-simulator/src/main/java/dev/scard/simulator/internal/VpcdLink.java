package dev.scard.simulator.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Objects;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.core.log.Log;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.control.ServedReader.State;
import dev.scard.simulator.control.VpcdAddress;

/**
 * Serves the card of one simulated reader to a PC/SC daemon through the vsmartcard {@code vpcd} driver: the card
 * side of the vpcd protocol, on one daemon thread of its own.
 *
 * <p><b>Protocol.</b> vpcd listens on a TCP port per slot; the card connects to it. Every message is a 2-byte
 * big-endian length and that many bytes. A 1-byte message is a control code ({@code 00} power off, {@code 01}
 * power on, {@code 02} reset, {@code 04} get ATR); only get ATR is answered, with the ATR. A longer message is a
 * command APDU, answered with the response APDU. Closing the connection removes the card. vpcd polls the card with
 * get ATR about every 0.4 s and drops a card that answers with an empty message, so every answer here has at least
 * two bytes.
 *
 * <p><b>Through the reader.</b> Every message goes through {@link SimulatedReader}'s {@code link*} methods, so the
 * card seen by pcscd is the card in the simulated reader: get ATR answers the ATR read at insertion, power-on and
 * reset reset the card as in-process resets do (skipped while it has processed no command since its last power-up),
 * power-off does nothing, and commands and resets wait while an in-process connection holds the card's transaction
 * or holds it exclusively. A card model that fails (throws, answers fewer than two bytes), does not answer within
 * the simulator's call timeout (a mute plugged-in model: vpcd has no way to say "no answer") or answers more than
 * 65,535 bytes (more than a vpcd message holds) gets {@code 6F00} sent for it, logged once per connection.
 *
 * <p><b>Lifecycle.</b> While the reader is empty the thread sleeps (state {@link State#NO_CARD}); the reader's
 * watcher wakes it on insertion, and closes the connection on removal (pcscd then sees the card removed). When vpcd
 * cannot be reached, or the connection breaks or carries something that is not the protocol (a length of 0, a
 * message cut short, an unknown control code: the card is not touched), the link pauses and connects again: 0.1 s,
 * doubling up to 2 s while attempts keep failing, back to 0.1 s after a connection on which vpcd talked. Failures
 * are logged once until the link serves again, not on every attempt. {@link #stop()} closes the socket at once and
 * ends the thread (it interrupts it, which also ends a wait for an in-process transaction).
 *
 * <p><b>Speed.</b> Nagle's algorithm is off and Linux {@code TCP_QUICKACK} is re-armed after every read, so a
 * round trip costs no delayed-acknowledgement timer (about 40 ms otherwise). The option is found by name among the
 * socket's supported options, with no compile-time reference to the {@code jdk.net} package, so the bundle needs no
 * {@code org.osgi.framework.system.packages.extra} in Felix or Karaf; where it is missing (not Linux, or a runtime
 * without the {@code jdk.net} module) that is logged once and the link works without it.
 */
final class VpcdLink {

    /** The first pause before connecting again, and the pause after a connection vpcd talked on. */
    static final long MIN_PAUSE_MILLIS = 100;
    /** The longest pause between attempts. */
    static final long MAX_PAUSE_MILLIS = 2000;
    /** How long one connection attempt may take (a host that drops packets). */
    static final int CONNECT_TIMEOUT_MILLIS = 2000;

    /** The largest payload a vpcd message can carry (the length is 2 bytes). */
    static final int MAX_PAYLOAD = 0xFFFF;
    static final int POWER_OFF = 0x00;
    static final int POWER_ON = 0x01;
    static final int RESET = 0x02;
    static final int GET_ATR = 0x04;
    /** Sent for a card that fails or answers more than a message holds: "no precise diagnosis". */
    private static final byte[] SW_NO_PRECISE_DIAGNOSIS = {0x6F, 0x00};

    private static final Log LOG = SimulatorComponent.LOGS.logger(VpcdLink.class);

    /** {@code TCP_QUICKACK} when this runtime has it, found once (see the class comment). */
    private static volatile SocketOption<Boolean> quickAck;
    private static volatile boolean quickAckLookedUp;

    private final SimulatedReader reader;
    private final VpcdAddress address;
    private final Thread thread;
    private final Runnable watcher = this::readerChanged;

    private final Object monitor = new Object();
    // Guarded by monitor.
    private boolean stopped;
    /** Counts the reader's insertions, removals and its end, as the watcher saw them. */
    private long changes;
    /** The connection being made or used, or null; closed by whoever ends it. */
    private SocketChannel channel;
    /** The insertion the channel serves. */
    private long channelInsertion;
    private State state = State.NO_CARD;
    private String detail = "";

    // The link thread's own.
    private final byte[] in = new byte[2 + MAX_PAYLOAD];
    private final ByteBuffer inBuffer = ByteBuffer.wrap(in);
    private int filled;
    private final ByteBuffer outBuffer = ByteBuffer.allocate(2 + MAX_PAYLOAD);
    /** The kind of the last problem logged; that kind is not logged again until the link serves. */
    private String lastLogged;

    VpcdLink(SimulatedReader reader, VpcdAddress address) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.address = Objects.requireNonNull(address, "address");
        this.thread = new Thread(this::run, "scard-vpcd " + reader.name() + " -> " + address);
        thread.setDaemon(true);
    }

    /** Starts the link's thread. */
    void start() {
        reader.addWatcher(watcher);
        thread.start();
    }

    VpcdAddress address() {
        return address;
    }

    SimulatedReader reader() {
        return reader;
    }

    /** Where it is served and how far the connection got. */
    ServedReader status() {
        synchronized (monitor) {
            return new ServedReader(reader.name(), address.host(), address.port(), state, detail);
        }
    }

    /**
     * Waits until the link is in {@code wanted}.
     *
     * @return false when it was not within {@code timeoutMillis}, or when the link stopped
     */
    boolean awaitState(State wanted, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (monitor) {
            while (state != wanted) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (stopped || left <= 0) {
                    return false;
                }
                monitor.wait(left);
            }
            return true;
        }
    }

    /**
     * Stops the link: the socket is closed before this returns, the thread ends soon after (see
     * {@link #awaitEnd}). Idempotent; never blocks.
     */
    void stop() {
        synchronized (monitor) {
            if (stopped) {
                return;
            }
            stopped = true;
            closeQuietly(channel);
            monitor.notifyAll();
        }
        reader.removeWatcher(watcher);
        thread.interrupt();
    }

    /** Waits up to {@code millis} for the thread to end after {@link #stop()}; true when it has. */
    boolean awaitEnd(long millis) {
        if (Thread.currentThread() == thread) {
            return false;
        }
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /** Whether the link's thread is running (for tests). */
    boolean isAlive() {
        return thread.isAlive();
    }

    /** Whether the link works: neither stopped nor ended by a failure. */
    boolean running() {
        synchronized (monitor) {
            return !stopped;
        }
    }

    /** The reader's watcher: wakes the thread; closes the connection when its card is gone or the reader stopped. */
    private void readerChanged() {
        synchronized (monitor) {
            changes++;
            if (channel != null) {
                CardSession now = reader.session();
                if (reader.stoppedReason() != null || !now.hasCard() || now.insertion != channelInsertion) {
                    closeQuietly(channel);
                }
            }
            monitor.notifyAll();
        }
    }

    // ---------------------------------------------------------------- the thread

    private void run() {
        long pause = MIN_PAUSE_MILLIS;
        try {
            for (;;) {
                long seen;
                synchronized (monitor) {
                    if (stopped) {
                        return;
                    }
                    seen = changes;
                }
                String stoppedReason = reader.stoppedReason();
                if (stoppedReason != null) {
                    setState(State.NO_CARD, stoppedReason);
                    return;
                }
                CardSession session = reader.session();
                if (!session.hasCard()) {
                    setState(State.NO_CARD, "");
                    awaitChange(seen, 0);
                    continue;
                }
                SocketChannel ch = null;
                try {
                    ch = open(session.insertion, seen);
                    if (ch == null) {
                        continue; // the card changed or the link stopped meanwhile
                    }
                    connect(ch);
                } catch (IOException | RuntimeException e) {
                    forget(ch);
                    if (gone(session.insertion)) {
                        continue;
                    }
                    String why = describe(e);
                    setState(State.CONNECTING, why);
                    logOnce(Level.INFO, "connect:" + e.getClass().getName(), "cannot reach vpcd (" + why
                            + "); trying again every " + MAX_PAUSE_MILLIS + " ms at most until it is there");
                    awaitChange(seen, pause);
                    pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
                    continue;
                }
                setState(State.CONNECTED, "");
                Ending ending = serve(ch, session.insertion);
                forget(ch);
                if (ending.problem == null) { // the card was removed or the link stopped
                    LOG.log(Level.DEBUG, () -> prefix() + "disconnected: the card was removed or the link stopped");
                    pause = MIN_PAUSE_MILLIS;
                    continue;
                }
                if (ending.talked) {
                    LOG.log(Level.INFO, prefix() + "lost the connection (" + ending.problem + "); connecting again");
                    lastLogged = null;
                    pause = MIN_PAUSE_MILLIS;
                } else {
                    logOnce(Level.WARNING, "dropped", "dropped the connection: " + ending.problem
                            + "; connecting again (not logged again until vpcd talks to the card)");
                }
                setState(State.CONNECTING, ending.problem);
                awaitChange(seen, pause);
                if (!ending.talked) {
                    pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, prefix() + "stopped by an unexpected failure", e);
            setState(State.NO_CARD, "stopped by an unexpected failure: " + describe(e));
            throw e;
        } finally {
            synchronized (monitor) {
                stopped = true;
                closeQuietly(channel);
                channel = null;
                monitor.notifyAll();
            }
            reader.removeWatcher(watcher);
        }
    }

    /** A new channel, published so that a removal or {@link #stop()} closes it; null when a change came first. */
    private SocketChannel open(long insertion, long seen) throws IOException {
        SocketChannel ch = SocketChannel.open();
        synchronized (monitor) {
            if (stopped || changes != seen) {
                closeQuietly(ch);
                return null;
            }
            channel = ch;
            channelInsertion = insertion;
            return ch;
        }
    }

    private void connect(SocketChannel ch) throws IOException {
        ch.socket().connect(new InetSocketAddress(address.host(), address.port()), CONNECT_TIMEOUT_MILLIS);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        armQuickAck(ch);
    }

    /** Unpublishes and closes a channel (null: nothing to do). */
    private void forget(SocketChannel ch) {
        if (ch == null) {
            return;
        }
        synchronized (monitor) {
            if (channel == ch) {
                channel = null;
            }
        }
        closeQuietly(ch);
    }

    /** Whether the link stopped or the card of {@code insertion} is no longer in. */
    private boolean gone(long insertion) {
        synchronized (monitor) {
            if (stopped) {
                return true;
            }
        }
        CardSession now = reader.session();
        return reader.stoppedReason() != null || !now.hasCard() || now.insertion != insertion;
    }

    /** Waits until the reader changes after {@code seen}, the link stops, or {@code millis} pass (0: no limit). */
    private void awaitChange(long seen, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        synchronized (monitor) {
            try {
                while (!stopped && changes == seen) {
                    if (millis == 0) {
                        monitor.wait();
                    } else {
                        long left = (deadline - System.nanoTime()) / 1_000_000L;
                        if (left <= 0) {
                            return;
                        }
                        monitor.wait(left);
                    }
                }
            } catch (InterruptedException e) {
                stopped = true; // only stop() interrupts this thread
            }
        }
    }

    private void setState(State newState, String newDetail) {
        synchronized (monitor) {
            state = newState;
            detail = newDetail;
            monitor.notifyAll();
        }
    }

    // ---------------------------------------------------------------- one connection

    /** How a connection ended: whether vpcd talked on it, and the problem (null: card removed or link stopped). */
    private record Ending(boolean talked, String problem) {
    }

    /** A message that breaks the protocol. */
    private static final class ProtocolViolation extends Exception {
        private static final long serialVersionUID = 1L;

        ProtocolViolation(String message) {
            super(message, null, false, false);
        }
    }

    /** Answers vpcd's messages until the connection ends. */
    private Ending serve(SocketChannel ch, long insertion) {
        filled = 0;
        boolean talked = false;
        boolean modelFailureLogged = false;
        try {
            for (;;) {
                if (!fill(ch, 2)) {
                    if (filled == 0) {
                        return end(talked, insertion, "vpcd closed the connection");
                    }
                    throw new ProtocolViolation("the connection closed inside a message length");
                }
                int length = ((in[0] & 0xFF) << 8) | (in[1] & 0xFF);
                if (length == 0) {
                    throw new ProtocolViolation("vpcd sent a message of length 0");
                }
                if (!fill(ch, 2 + length)) {
                    throw new ProtocolViolation("the connection closed inside a message (" + (filled - 2) + " of "
                            + length + " bytes)");
                }
                byte[] response;
                if (length == 1) {
                    response = control(in[2] & 0xFF, insertion);
                } else {
                    byte[] command = Arrays.copyOfRange(in, 2, 2 + length);
                    try {
                        response = reader.linkTransmit(insertion, command);
                    } catch (SCardException e) {
                        if (e.code() != HResult.SCARD_F_COMM_ERROR && e.code() != HResult.SCARD_E_TIMEOUT) {
                            throw e;
                        }
                        if (!modelFailureLogged) {
                            LOG.log(Level.WARNING, prefix() + "answered 6F00 for the card model: " + e.getMessage());
                            modelFailureLogged = true;
                        }
                        response = SW_NO_PRECISE_DIAGNOSIS;
                    } finally {
                        Arrays.fill(command, (byte) 0);
                    }
                    if (response.length > MAX_PAYLOAD) {
                        if (!modelFailureLogged) {
                            LOG.log(Level.WARNING, prefix() + "answered 6F00: the card model answered "
                                    + response.length + " bytes, more than a vpcd message holds (" + MAX_PAYLOAD + ")");
                            modelFailureLogged = true;
                        }
                        response = SW_NO_PRECISE_DIAGNOSIS;
                    }
                }
                consume(2 + length);
                if (response != null) {
                    write(ch, response);
                }
                if (!talked) {
                    talked = true;
                    lastLogged = null;
                    setState(State.SERVING, "");
                    LOG.log(Level.INFO, prefix() + "serving the card");
                }
            }
        } catch (ProtocolViolation e) {
            return end(talked, insertion, e.getMessage());
        } catch (IOException e) {
            return end(talked, insertion, "the connection broke: " + describe(e));
        } catch (SCardException e) { // the card was removed, the reader stopped, or stop() interrupted a wait
            return end(talked, insertion, e.getMessage());
        }
    }

    /** Handles a control message; returns the answer, or null when there is none. */
    private byte[] control(int code, long insertion) throws ProtocolViolation {
        switch (code) {
            case GET_ATR:
                return reader.linkAtr(insertion);
            case POWER_ON:
            case RESET:
                reader.linkReset(insertion);
                return null;
            case POWER_OFF:
                return null;
            default:
                throw new ProtocolViolation(String.format("vpcd sent the unknown control code %02X", code));
        }
    }

    private Ending end(boolean talked, long insertion, String problem) {
        return new Ending(talked, gone(insertion) ? null : problem);
    }

    /** Reads until {@code n} bytes are buffered; false at the end of the stream. */
    private boolean fill(SocketChannel ch, int n) throws IOException {
        while (filled < n) {
            inBuffer.limit(in.length).position(filled);
            int read = ch.read(inBuffer);
            if (read < 0) {
                return false;
            }
            filled += read;
            armQuickAck(ch);
        }
        return true;
    }

    /** Drops the first {@code n} buffered bytes; the bytes freed are zeroed (a command may hold a PIN). */
    private void consume(int n) {
        System.arraycopy(in, n, in, 0, filled - n);
        Arrays.fill(in, filled - n, filled, (byte) 0);
        filled -= n;
    }

    private void write(SocketChannel ch, byte[] payload) throws IOException {
        outBuffer.clear();
        outBuffer.put((byte) (payload.length >> 8)).put((byte) payload.length).put(payload).flip();
        while (outBuffer.hasRemaining()) {
            ch.write(outBuffer);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Re-arms {@code TCP_QUICKACK}: Linux turns it off again after a while, so it is set after every read. */
    private static void armQuickAck(SocketChannel ch) throws IOException {
        SocketOption<Boolean> option = quickAck(ch);
        if (option != null) {
            ch.setOption(option, Boolean.TRUE);
        }
    }

    /** {@code TCP_QUICKACK} by name among the socket's options, looked up once; null when there is none. */
    @SuppressWarnings("unchecked")
    private static SocketOption<Boolean> quickAck(SocketChannel ch) {
        if (!quickAckLookedUp) {
            SocketOption<Boolean> found = null;
            for (SocketOption<?> option : ch.supportedOptions()) {
                if (option.name().equals("TCP_QUICKACK") && option.type() == Boolean.class) {
                    found = (SocketOption<Boolean>) option;
                }
            }
            quickAck = found;
            quickAckLookedUp = true;
            if (found == null) {
                LOG.log(Level.INFO, "TCP_QUICKACK is not available here (it needs Linux and the jdk.net module): "
                        + "round trips through vpcd may each take up to about 40 ms longer");
            }
        }
        return quickAck;
    }

    /** Logs a problem unless the last one logged was of the same {@code kind}. */
    private void logOnce(Level level, String kind, String problem) {
        if (!kind.equals(lastLogged)) {
            lastLogged = kind;
            LOG.log(level, prefix() + problem);
        }
    }

    private String prefix() {
        return "reader '" + reader.name() + "' served to vpcd at " + address + ": ";
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        String type = e.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + ": " + message;
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public String toString() {
        return "VpcdLink[" + reader.name() + " -> " + address + "]";
    }
}
