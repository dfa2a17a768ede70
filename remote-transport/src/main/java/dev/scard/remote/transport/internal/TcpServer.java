package dev.scard.remote.transport.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The server side of {@code scard.tcp}: one listening socket serving every endpoint exported through it.
 *
 * <p>Each connection is served by a thread of a bounded pool ({@code maxConnections}); a connection beyond them is
 * closed at once (the client sees a broken connection). A connection reads one request, calls the endpoint's service
 * and writes the answer, until the client closes it, it stays without a request for the read timeout, or it breaks:
 * whatever happens on one connection ends that connection only. A service's exception goes back as it is when the
 * allow-list lets the client read it (our {@code SCardException}); any other failure goes back as a message naming
 * its class.
 */
final class TcpServer implements Closeable {

    private static final System.Logger LOG = System.getLogger(ScardTcpProvider.PID);
    /** The longest a client may take over its TLS handshake. */
    private static final int HANDSHAKE_MILLIS = 10_000;

    /** How long {@link #close()} waits for the accepting thread to leave {@code accept}. */
    private static final long ACCEPTOR_WAIT_MILLIS = 5_000;

    private final ServerSocket listener;
    private final ThreadPoolExecutor workers;
    private final int readTimeoutMillis;
    private final int maxConnections;
    private final Map<String, Exported> endpoints = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    /** A service served under a key: its object, the methods of its exported interfaces, its class loader. */
    private record Exported(Object service, Map<String, Method> methods, ClassLoader loader) {
    }

    /**
     * Opens the listening socket and starts accepting.
     *
     * @param bind the address to listen on
     * @param port the port (0 for a free one)
     * @param tls the TLS context (client certificates required), or null for plain TCP
     * @param maxConnections how many connections are served at once
     * @param readTimeoutMillis how long a connection may wait for (the rest of) a request
     * @throws IOException when the socket cannot be opened (the port is taken, the address is not this machine's)
     */
    TcpServer(InetAddress bind, int port, SSLContext tls, int maxConnections, long readTimeoutMillis)
            throws IOException {
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeoutMillis);
        this.maxConnections = maxConnections;
        ServerSocket socket = tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
        if (socket instanceof SSLServerSocket secure) {
            secure.setNeedClientAuth(true);
            secure.setEnabledProtocols(Tls.PROTOCOLS);
        }
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bind, port), 50);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        listener = socket;
        AtomicInteger count = new AtomicInteger();
        workers = new ThreadPoolExecutor(0, maxConnections, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                task -> daemon(task, "scard-tcp-server-" + port() + "-" + count.incrementAndGet()));
        acceptor = daemon(this::accept, "scard-tcp-accept-" + port());
        acceptor.start();
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** The port the server listens on. */
    int port() {
        return listener.getLocalPort();
    }

    /** The address the server listens on. */
    InetAddress address() {
        return listener.getInetAddress();
    }

    /**
     * Serves {@code service} (the methods of {@code interfaces}, arguments read through {@code loader}) under
     * {@code key}, or, when another endpoint has that key already, under {@code key-2}, {@code key-3}, ...
     *
     * @return the key it is served under, which requests name
     */
    String add(String key, Object service, Class<?>[] interfaces, ClassLoader loader) {
        Map<String, Method> methods = new ConcurrentHashMap<>();
        for (Class<?> type : interfaces) {
            for (Method method : type.getMethods()) {
                methods.putIfAbsent(Wire.methodKey(method), method);
            }
        }
        Exported exported = new Exported(service, Map.copyOf(methods), loader);
        String served = key;
        for (int n = 2; endpoints.putIfAbsent(served, exported) != null; n++) {
            served = key + "-" + n;
        }
        return served;
    }

    /**
     * Stops serving the endpoint {@code key}: later calls to it fail with a message saying so.
     *
     * @return whether endpoints are left
     */
    boolean remove(String key) {
        endpoints.remove(key);
        return !endpoints.isEmpty();
    }

    /** Whether any endpoint is served. */
    boolean serves() {
        return !endpoints.isEmpty();
    }

    private void accept() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "the server socket on port {0} failed; it serves no more connections ({1})",
                            String.valueOf(port()), e.getClass().getName());
                }
                return;
            }
            try {
                workers.execute(() -> serve(socket));
            } catch (RejectedExecutionException e) {
                LOG.log(Level.WARNING, "refused a connection from {0}: {1} connections are served already",
                        socket.getRemoteSocketAddress(), String.valueOf(maxConnections));
                closeQuietly(socket);
            }
        }
    }

    private void serve(Socket socket) {
        connections.add(socket);
        try {
            socket.setTcpNoDelay(true);
            if (socket instanceof SSLSocket secure) {
                socket.setSoTimeout(Math.min(readTimeoutMillis, HANDSHAKE_MILLIS));
                secure.startHandshake();
            }
            socket.setSoTimeout(readTimeoutMillis);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 8192));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 8192));
            while (!closed) {
                byte[] request;
                try {
                    request = Wire.readFrame(in);
                } catch (EOFException | SocketTimeoutException e) {
                    return;
                }
                Wire.writeFrame(out, answer(request));
            }
        } catch (SSLException e) {
            LOG.log(Level.WARNING, "refused a TLS connection from {0}: {1}", socket.getRemoteSocketAddress(),
                    e.getMessage());
        } catch (SocketException e) {
            // Closed by the client or by close(): nothing to report.
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.INFO, "a connection from {0} ended: {1}", socket.getRemoteSocketAddress(),
                    e.getClass().getName());
        } finally {
            connections.remove(socket);
            closeQuietly(socket);
        }
    }

    /** The response frame to one request frame; never throws. */
    byte[] answer(byte[] request) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(request));
        String endpointKey;
        String methodKey;
        try {
            endpointKey = in.readUTF();
            methodKey = in.readUTF();
        } catch (IOException e) {
            return Wire.failure("a malformed request");
        }
        Exported exported = endpoints.get(endpointKey);
        if (exported == null) {
            return Wire.failure("no endpoint " + endpointKey + " on this server (its service is no longer exported)");
        }
        Method method = exported.methods().get(methodKey);
        if (method == null) {
            return Wire.failure("the endpoint has no method " + methodKey);
        }
        Object[] args;
        try {
            args = (Object[]) Wire.deserialize(in, exported.loader());
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            String why = Wire.refusal(e);
            LOG.log(Level.WARNING, "refused a call of {0}: {1}", method.getName(), why);
            return Wire.failure("the call of " + method.getName() + " was refused: " + why);
        }
        if (args.length != method.getParameterCount()) {
            return Wire.failure("the call of " + methodKey + " has " + args.length + " arguments");
        }
        Object result;
        try {
            result = method.invoke(exported.service(), args);
        } catch (InvocationTargetException e) {
            return thrown(method, e.getCause(), exported.loader());
        } catch (IllegalAccessException | IllegalArgumentException e) {
            return Wire.failure("the call of " + methodKey + " could not be made (" + e.getClass().getName() + ")");
        }
        try {
            return Wire.response(Wire.OK, Wire.serialize(result));
        } catch (IOException | RuntimeException e) {
            return Wire.failure("the result of " + method.getName() + " could not be sent (" + e.getClass().getName()
                    + ")");
        }
    }

    /**
     * The answer for an exception the service threw: the exception itself when the client's allow-list lets it be
     * read (checked here by reading it back), otherwise a failure naming its class only (a message may carry data).
     */
    private static byte[] thrown(Method method, Throwable failure, ClassLoader loader) {
        try {
            byte[] bytes = Wire.serialize(failure);
            Wire.deserialize(bytes, loader);
            return Wire.response(Wire.THROWN, bytes);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            LOG.log(Level.WARNING, "{0} failed with {1}; the caller is told the class only", method.getName(),
                    failure.getClass().getName());
            return Wire.failure("the service failed in " + method.getName() + " with " + failure.getClass().getName());
        }
    }

    /** How many connections are open now. */
    int connectionCount() {
        return connections.size();
    }

    /** Closes every open connection (as a network failure would) and goes on listening. */
    void closeConnections() {
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
    }

    /**
     * Closes the listening socket and every connection; calls in progress end with a broken connection. Returns once
     * the port is closed: the JDK releases a server socket that a thread is blocked accepting on only when that thread
     * has left {@code accept}, so this waits for the accepting thread to end (at most {@value #ACCEPTOR_WAIT_MILLIS}
     * ms); until then a client could still connect.
     */
    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
        workers.shutdownNow();
        endpoints.clear();
        if (Thread.currentThread() != acceptor) {
            try {
                acceptor.join(ACCEPTOR_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // Nothing left to do with it.
        }
    }
}
