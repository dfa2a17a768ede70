package dev.scard.pcsc.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A test-only smart card for the vsmartcard {@code vpcd} driver: a TCP client of 127.0.0.1:35963 (slot 0) or 35964
 * (slot 1) that speaks vpcd's protocol (2-byte big-endian length, then the payload; a 1-byte payload is a control
 * message, of which only "get ATR" (0x04) is answered; longer payloads are command APDUs, answered with the response
 * APDU). Closing the connection removes the card.
 *
 * <p>Delayed acknowledgements are turned off (TCP_NODELAY, and Linux TCP_QUICKACK re-armed after every read), or every
 * round trip through vpcd costs about 40 ms.
 *
 * <p>The default card answers: GET CHALLENGE ({@code 00 84 00 00 Le}) with Le random bytes and 9000; the proprietary
 * echo {@code 80 EE 00 00 Lc data [Le]} with the data and 9000 (extended lengths too); instruction 5E with 6D00; and
 * everything else with 9000.
 */
final class VpcdTestCard implements AutoCloseable {

    /** A T=1 ATR (TD1 = 01, eight historical bytes "SCARDSIM", TCK). */
    static final byte[] ATR_T1 = HexFormat.of().parseHex("3B8801534341524453494D99");
    static final int SLOT0 = 35963;
    static final int SLOT1 = 35964;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final SocketOption<Boolean> QUICKACK = quickAck();

    private final int port;
    private final byte[] atr;
    private final UnaryOperator<byte[]> responder;
    private final Socket socket;
    private final Thread thread;
    private final AtomicLong apdus = new AtomicLong();
    private volatile boolean removing;

    private VpcdTestCard(int port, byte[] atr, UnaryOperator<byte[]> responder, Socket socket) {
        this.port = port;
        this.atr = atr.clone();
        this.responder = responder;
        this.socket = socket;
        this.thread = new Thread(this::serve, "vpcd-test-card-" + port);
        this.thread.setDaemon(true);
    }

    /** Inserts the default card into the vpcd slot listening on {@code port}. */
    static VpcdTestCard insert(int port) throws IOException, InterruptedException {
        return insert(port, ATR_T1, VpcdTestCard::defaultAnswer);
    }

    /**
     * Inserts a card that answers with {@code responder}; retries the TCP connection for a few seconds (vpcd
     * listens only once pcscd has loaded the driver).
     */
    static VpcdTestCard insert(int port, byte[] atr, UnaryOperator<byte[]> responder)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (;;) {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                VpcdTestCard card = new VpcdTestCard(port, atr, responder, socket);
                card.thread.start();
                return card;
            } catch (IOException e) {
                socket.close();
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The answers of the default card. */
    static byte[] defaultAnswer(byte[] command) {
        int ins = command[1] & 0xFF;
        if (ins == 0x84 && command.length == 5) {
            int le = command[4] == 0 ? 256 : command[4] & 0xFF;
            byte[] answer = new byte[le + 2];
            RANDOM.nextBytes(answer);
            answer[le] = (byte) 0x90;
            answer[le + 1] = 0x00;
            return answer;
        }
        if ((command[0] & 0xFF) == 0x80 && ins == 0xEE) {
            byte[] data = commandData(command);
            byte[] answer = Arrays.copyOf(data, data.length + 2);
            answer[data.length] = (byte) 0x90;
            return answer;
        }
        if (ins == 0x5E) {
            return new byte[] {0x6D, 0x00};
        }
        return new byte[] {(byte) 0x90, 0x00};
    }

    /** The data field of a short or extended case 3/4 command (empty for case 1/2). */
    static byte[] commandData(byte[] command) {
        if (command.length <= 5) {
            return new byte[0];
        }
        if (command[4] != 0) {
            int lc = command[4] & 0xFF;
            return Arrays.copyOfRange(command, 5, 5 + lc);
        }
        int lc = ((command[5] & 0xFF) << 8) | (command[6] & 0xFF);
        return Arrays.copyOfRange(command, 7, 7 + lc);
    }

    private void serve() {
        try (Socket s = socket) {
            InputStream raw = s.getInputStream();
            DataInputStream in = new DataInputStream(new InputStream() {
                @Override
                public int read() throws IOException {
                    int b = raw.read();
                    quickAck(s);
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = raw.read(buffer, offset, length);
                    quickAck(s);
                    return n;
                }
            });
            OutputStream out = s.getOutputStream();
            for (;;) {
                int length = in.readUnsignedShort();
                byte[] message = new byte[length];
                in.readFully(message);
                byte[] answer;
                if (length == 1) {
                    answer = message[0] == 0x04 ? atr : null; // power on/off and reset are not answered
                } else {
                    apdus.incrementAndGet();
                    answer = responder.apply(message);
                }
                if (answer != null) {
                    byte[] frame = new byte[answer.length + 2];
                    frame[0] = (byte) (answer.length >> 8);
                    frame[1] = (byte) answer.length;
                    System.arraycopy(answer, 0, frame, 2, answer.length);
                    out.write(frame);
                    out.flush();
                }
            }
        } catch (EOFException e) {
            // vpcd closed the connection (pcscd stopped)
        } catch (IOException e) {
            if (!removing) {
                System.err.println("vpcd test card on port " + port + " stopped: " + e);
            }
        }
    }

    private static void quickAck(Socket socket) {
        if (QUICKACK != null) {
            try {
                socket.setOption(QUICKACK, true);
            } catch (IOException | UnsupportedOperationException e) {
                // not on this platform
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static SocketOption<Boolean> quickAck() {
        try {
            Class<?> options = Class.forName("jdk.net.ExtendedSocketOptions");
            return (SocketOption<Boolean>) options.getField("TCP_QUICKACK").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** How many APDUs the card answered. */
    long apdus() {
        return apdus.get();
    }

    /** Whether the card's connection to vpcd is still up. */
    boolean inserted() {
        return thread.isAlive();
    }

    /** Removes the card: closes its connection to vpcd. */
    void remove() throws InterruptedException {
        removing = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
        thread.join(5000);
    }

    /**
     * Kills the card program: resets its connection to vpcd (SO_LINGER 0, so vpcd gets a TCP RST, not an orderly
     * close), as when the process behind the card dies. May be called from the card's own responder, in the middle of
     * an exchange: the command then gets no answer.
     */
    void crash() {
        removing = true;
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() {
        try {
            remove();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
