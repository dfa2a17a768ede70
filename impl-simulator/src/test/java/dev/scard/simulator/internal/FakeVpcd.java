package dev.scard.simulator.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.HexFormat;

/**
 * The vpcd side of the protocol, for tests: listens on a loopback port, accepts the card's connection, and sends
 * control messages and APDUs as vpcd does. Every wait is bounded (5 s unless told).
 */
final class FakeVpcd implements AutoCloseable {

    static final HexFormat HEX = HexFormat.of().withUpperCase();
    static final int TIMEOUT_MILLIS = 5000;

    private ServerSocket server;
    private Socket client;
    private DataInputStream in;
    private DataOutputStream out;

    /** Listens on a free loopback port. */
    FakeVpcd() throws IOException {
        this(0);
    }

    /** Listens on {@code port} (0: a free one), as a restarted vpcd does on its old port. */
    FakeVpcd(int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Waits for the card to connect. */
    FakeVpcd accept() throws IOException {
        return accept(TIMEOUT_MILLIS);
    }

    FakeVpcd accept(int timeoutMillis) throws IOException {
        server.setSoTimeout(timeoutMillis);
        dropClient();
        client = server.accept();
        client.setTcpNoDelay(true);
        client.setSoTimeout(TIMEOUT_MILLIS);
        in = new DataInputStream(client.getInputStream());
        out = new DataOutputStream(client.getOutputStream());
        return this;
    }

    /** Whether a card connects within {@code timeoutMillis}. */
    boolean accepts(int timeoutMillis) throws IOException {
        try {
            accept(timeoutMillis);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Sends one message: the 2-byte length and the payload. */
    void send(byte... payload) throws IOException {
        out.writeShort(payload.length);
        out.write(payload);
        out.flush();
    }

    /** Sends raw bytes, framing and all (for garbage). */
    void sendRaw(byte... bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Receives one message. */
    byte[] receive() throws IOException {
        int length = in.readUnsignedShort();
        byte[] payload = new byte[length];
        in.readFully(payload);
        return payload;
    }

    String atr() throws IOException {
        send((byte) VpcdLink.GET_ATR);
        return HEX.formatHex(receive());
    }

    void powerOn() throws IOException {
        send((byte) VpcdLink.POWER_ON);
    }

    void powerOff() throws IOException {
        send((byte) VpcdLink.POWER_OFF);
    }

    void reset() throws IOException {
        send((byte) VpcdLink.RESET);
    }

    /** Sends a command APDU given in hex and returns the response in hex. */
    String transmit(String commandHex) throws IOException {
        send(HEX.parseHex(commandHex));
        return HEX.formatHex(receive());
    }

    /** Whether the card closed the connection within {@code timeoutMillis} (reads nothing else). */
    boolean closedByCard(int timeoutMillis) throws IOException {
        client.setSoTimeout(timeoutMillis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } finally {
            if (!client.isClosed()) {
                client.setSoTimeout(TIMEOUT_MILLIS);
            }
        }
    }

    /** Whether nothing arrives within {@code millis} (the card is waiting); consumes what arrives otherwise. */
    boolean silentFor(int millis) throws IOException {
        client.setSoTimeout(millis);
        try {
            return in.read() == -2; // never: either a byte (-> false) or a timeout
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            client.setSoTimeout(TIMEOUT_MILLIS);
        }
    }

    /** Closes the card's connection, as vpcd does when pcscd stops. */
    void dropClient() throws IOException {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    /** Stops listening and drops the card, as when pcscd stops. */
    @Override
    public void close() throws IOException {
        dropClient();
        server.close();
    }
}
