package dev.scard.itest.reliability;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A card program for vpcd written for the tests: it connects to vpcd's slot as a card and speaks the vpcd protocol
 * (each message a 2-byte big-endian length and a payload; a 1-byte payload is a control code: 0 power off, 1 power
 * on, 2 reset, 4 get ATR, answered with the ATR; a longer payload is a command APDU). It answers the ATR, and a
 * command APDU either never ({@link #NEVER}) or with {@code 9000} after a delay. Closing it closes the connection,
 * so pcscd sees the card removed and a call that waits for the card ends.
 */
final class VpcdCardProgram implements AutoCloseable {

    /** The answer delay of a card that never answers a command. */
    static final long NEVER = -1;
    /** The T=1 ATR the program answers. */
    static final byte[] ATR = {0x3B, (byte) 0x80, (byte) 0x80, 0x01, 0x01};

    private final Socket socket;
    private final long answerDelayMillis;
    private final Thread reader;
    private final AtomicInteger commands = new AtomicInteger();
    private volatile boolean closed;

    private VpcdCardProgram(Socket socket, long answerDelayMillis) {
        this.socket = socket;
        this.answerDelayMillis = answerDelayMillis;
        reader = new Thread(this::serve, "vpcd card program on port " + socket.getPort());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects to vpcd on {@code port} (retrying until it accepts, at most {@code bound}).
     *
     * @param answerDelayMillis how long a command waits for its {@code 9000}, or {@link #NEVER}
     */
    static VpcdCardProgram connect(int port, long answerDelayMillis, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setTcpNoDelay(true);
                return new VpcdCardProgram(socket, answerDelayMillis);
            } catch (IOException e) {
                last = e;
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // nothing to close
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("vpcd did not accept a card on port " + port + " within " + bound + ": " + last);
    }

    /** Command APDUs received so far. */
    int commands() {
        return commands.get();
    }

    private void serve() {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (!closed) {
                int length = in.readUnsignedShort();
                byte[] payload = in.readNBytes(length);
                if (payload.length != length) {
                    return;
                }
                if (length == 1) {
                    if (payload[0] == 0x04) {
                        send(out, ATR);
                    }
                    continue; // power off, power on, reset: nothing to answer
                }
                commands.incrementAndGet();
                if (answerDelayMillis == NEVER) {
                    continue;
                }
                Thread.sleep(answerDelayMillis);
                send(out, new byte[] {(byte) 0x90, 0x00});
            }
        } catch (IOException | InterruptedException e) {
            // closed
        }
    }

    private static void send(DataOutputStream out, byte[] message) throws IOException {
        out.writeShort(message.length);
        out.write(message);
        out.flush();
    }

    /** Closes the connection (vpcd sees the card removed) and waits briefly for the program's thread. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
        reader.interrupt();
        reader.join(2000);
    }
}
