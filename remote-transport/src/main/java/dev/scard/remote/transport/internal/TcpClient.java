package dev.scard.remote.transport.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.NotSerializableException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.osgi.framework.ServiceException;

/**
 * The client side of {@code scard.tcp}: proxies that call endpoints over pooled connections.
 *
 * <p>Connections are pooled per server address: a call takes an idle one (or opens one, at most
 * {@code maxConnections} per address, so several calls are in flight at once), and gives it back when the call got its
 * answer. Connecting is bounded by the connect timeout, waiting for the answer by the proxy's call timeout; a call that times
 * out, is interrupted or whose connection breaks fails with a {@link ServiceException} of type
 * {@link ServiceException#REMOTE} and closes its connection (and the idle ones to that address, which are likely broken
 * too); the next call connects anew. An exception the service threw reaches the caller as it is.
 */
final class TcpClient implements Closeable {

    /** How long an idle connection is kept: shorter than the servers' read timeout (180 s by default). */
    static final long IDLE_KEEP_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How often a plain connection waiting for an answer looks at its deadline and its thread's interrupt. */
    private static final int SLICE_MILLIS = 200;

    private final SSLContext tls;
    private final int maxConnections;
    private final int connectTimeoutMillis;
    private final Map<Address, Pool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A server's address, and whether it speaks TLS. */
    record Address(String host, int port, boolean tls) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /**
     * A client.
     *
     * @param tls the TLS context for endpoints that need it (this side's certificate, the servers it trusts), or null
     * @param maxConnections the most connections per server address
     * @param connectTimeoutMillis how long connecting (and a TLS handshake) may take
     */
    TcpClient(SSLContext tls, int maxConnections, long connectTimeoutMillis) {
        this.tls = tls;
        this.maxConnections = maxConnections;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis);
    }

    /**
     * A proxy implementing {@code interfaces} that calls the endpoint {@code endpointId}
     * ({@code scard.tcp://host:port/key}).
     *
     * @param loader the class loader the proxy is defined in and answers are read through
     * @param secure whether the endpoint needs TLS
     * @param timeoutMillis how long each call waits for its answer
     * @throws IllegalArgumentException for a malformed endpoint id, or a TLS endpoint when this side has no TLS
     */
    Object proxy(ClassLoader loader, Class<?>[] interfaces, String endpointId, boolean secure, long timeoutMillis) {
        URI uri;
        try {
            uri = new URI(endpointId);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("endpoint id '" + endpointId + "' is not a URI", e);
        }
        String key = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (!ScardTcpProvider.CONFIG_TYPE.equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0
                || key.isEmpty()) {
            throw new IllegalArgumentException("endpoint id '" + endpointId + "' is not of the form "
                    + ScardTcpProvider.CONFIG_TYPE + "://host:port/key");
        }
        if (secure && tls == null) {
            throw new IllegalArgumentException("endpoint " + endpointId + " needs TLS, but " + ScardTcpProvider.PID
                    + " has tls=false here");
        }
        Address address = new Address(uri.getHost(), uri.getPort(), secure);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> ScardTcpProvider.CONFIG_TYPE + " proxy of " + endpointId;
                };
            }
            return call(address, key, method, args, loader, timeoutMillis);
        };
        return Proxy.newProxyInstance(loader, interfaces, handler);
    }

    /** Makes one call, waiting at most {@code timeoutMillis} for its answer: see the class. */
    Object call(Address address, String key, Method method, Object[] args, ClassLoader loader, long timeoutMillis)
            throws Throwable {
        byte[] request;
        try {
            request = Wire.request(key, Wire.methodKey(method), args);
        } catch (NotSerializableException e) {
            throw new ServiceException("an argument of " + method.getName() + " cannot be sent: " + e.getMessage()
                    + " is not serializable", ServiceException.REMOTE);
        } catch (IOException e) {
            throw new ServiceException("the arguments of " + method.getName() + " cannot be sent ("
                    + e.getClass().getName() + ")", ServiceException.REMOTE, e);
        }
        Pool pool = pools.computeIfAbsent(address, Pool::new);
        Connection connection = pool.take(method);
        byte[] response;
        try {
            connection.begin(timeoutMillis);
            Wire.writeFrame(connection.out, request);
            response = Wire.readFrame(connection.in);
        } catch (IOException | RuntimeException e) {
            pool.broken(connection);
            throw new ServiceException(brokenMessage(address, method, e, timeoutMillis), ServiceException.REMOTE, e);
        }
        pool.give(connection);
        return decode(address, method, response, loader);
    }

    private static String brokenMessage(Address address, Method method, Exception e, long timeoutMillis) {
        if (e instanceof SocketTimeoutException) {
            return "no answer from " + address + " to " + method.getName() + " within " + timeoutMillis + " ms (the call timeout)";
        }
        if (e instanceof InterruptedIOException) {
            return "interrupted while waiting for " + address + " to answer " + method.getName();
        }
        return "the connection to " + address + " broke during " + method.getName() + " (" + e.getClass().getName()
                + ")";
    }

    private static Object decode(Address address, Method method, byte[] response, ClassLoader loader)
            throws Throwable {
        if (response.length == 0) {
            throw new ServiceException("an empty answer from " + address, ServiceException.REMOTE);
        }
        ByteArrayInputStream payload = new ByteArrayInputStream(response, 1, response.length - 1);
        byte status = response[0];
        if (status == Wire.FAILED) {
            String message = new DataInputStream(payload).readUTF();
            throw new ServiceException(address + ": " + message, ServiceException.REMOTE);
        }
        Object value;
        try {
            value = Wire.deserialize(payload, loader);
        } catch (IOException | ClassNotFoundException e) {
            throw new ServiceException("the answer of " + address + " to " + method.getName() + " was refused: "
                    + Wire.refusal(e), ServiceException.REMOTE, e);
        }
        if (status == Wire.OK) {
            return value;
        }
        if (status == Wire.THROWN && value instanceof Throwable thrown) {
            if (thrown instanceof RuntimeException || thrown instanceof Error || declares(method, thrown)) {
                throw thrown;
            }
            throw new ServiceException(address + ": " + method.getName() + " threw " + thrown.getClass().getName()
                    + ", which it does not declare", ServiceException.REMOTE, thrown);
        }
        throw new ServiceException("a malformed answer from " + address, ServiceException.REMOTE);
    }

    private static boolean declares(Method method, Throwable thrown) {
        for (Class<?> type : method.getExceptionTypes()) {
            if (type.isInstance(thrown)) {
                return true;
            }
        }
        return false;
    }

    /** Closes every connection; later calls fail. */
    @Override
    public void close() {
        closed = true;
        for (Pool pool : pools.values()) {
            pool.clear();
        }
        pools.clear();
    }

    /** The connections to one address. */
    private final class Pool {
        private final Address address;
        private final Semaphore permits;
        private final Deque<Connection> idle = new ArrayDeque<>();

        Pool(Address address) {
            this.address = address;
            this.permits = new Semaphore(maxConnections);
        }

        Connection take(Method method) {
            if (closed) {
                throw new ServiceException(ScardTcpProvider.PID + " is stopped", ServiceException.REMOTE);
            }
            try {
                if (!permits.tryAcquire(connectTimeoutMillis, TimeUnit.MILLISECONDS)) {
                    throw new ServiceException(maxConnections + " calls to " + address + " are in progress already",
                            ServiceException.REMOTE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServiceException("interrupted while waiting for a connection to " + address,
                        ServiceException.REMOTE);
            }
            long now = System.nanoTime();
            synchronized (this) {
                Connection connection;
                while ((connection = idle.pollFirst()) != null) {
                    if (now - connection.idleSince < IDLE_KEEP_NANOS) {
                        return connection;
                    }
                    connection.close();
                }
            }
            try {
                return open();
            } catch (IOException | RuntimeException e) {
                permits.release();
                throw new ServiceException("cannot connect to " + address + " for " + method.getName() + " ("
                        + e.getClass().getName() + ")", ServiceException.REMOTE, e);
            }
        }

        private Connection open() throws IOException {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(address.host(), address.port()), connectTimeoutMillis);
                if (address.tls()) {
                    SSLSocket secure = (SSLSocket) tls.getSocketFactory()
                            .createSocket(socket, address.host(), address.port(), true);
                    secure.setEnabledProtocols(Tls.PROTOCOLS);
                    secure.setUseClientMode(true);
                    secure.setSoTimeout(connectTimeoutMillis);
                    secure.startHandshake();
                    return new Connection(secure, false);
                }
                return new Connection(socket, true);
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        void give(Connection connection) {
            connection.idleSince = System.nanoTime();
            synchronized (this) {
                if (!closed) {
                    idle.addFirst(connection);
                    connection = null;
                }
            }
            if (connection != null) {
                connection.close();
            }
            permits.release();
        }

        void broken(Connection connection) {
            connection.close();
            clear();
            permits.release();
        }

        void clear() {
            synchronized (this) {
                for (Connection connection : idle) {
                    connection.close();
                }
                idle.clear();
            }
        }
    }

    /** One connection: its socket and streams. */
    private static final class Connection {
        private final Socket socket;
        private final Patient patient;
        final DataInputStream in;
        final DataOutputStream out;
        long idleSince;

        Connection(Socket socket, boolean sliced) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true);
            this.patient = sliced ? new Patient(socket.getInputStream()) : null;
            this.in = new DataInputStream(new BufferedInputStream(
                    patient == null ? socket.getInputStream() : patient, 8192));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 8192));
        }

        /** Sets the call's deadline. */
        void begin(long timeoutMillis) throws IOException {
            if (patient == null) {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
            } else {
                socket.setSoTimeout(SLICE_MILLIS);
                patient.deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Nothing left to do with it.
            }
        }
    }

    /**
     * The input of a plain connection, read in slices: a read that times out (having consumed nothing) is tried again
     * until the call's deadline, so that an interrupted caller stops waiting within a slice.
     */
    private static final class Patient extends FilterInputStream {
        volatile long deadline;

        Patient(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            while (true) {
                try {
                    return super.read();
                } catch (SocketTimeoutException e) {
                    check(e);
                }
            }
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            while (true) {
                try {
                    return super.read(buffer, offset, length);
                } catch (SocketTimeoutException e) {
                    check(e);
                }
            }
        }

        private void check(SocketTimeoutException timeout) throws IOException {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted");
            }
            if (System.nanoTime() - deadline >= 0) {
                throw timeout;
            }
        }
    }
}
