package dev.scard.remote.transport.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The configuration of the {@code scard.tcp} distribution provider (PID {@value ScardTcpProvider#PID}). */
@ObjectClassDefinition(id = ScardTcpProvider.PID, name = "SCard remote transport (scard.tcp)",
        description = "The OSGi Remote Services distribution provider of remote readers: the socket that serves "
                + "the services exported with service.exported.configs=scard.tcp, and the client side of the "
                + "services imported through it.")
@interface TransportConfig {

    /** The address the server listens on and publishes in its endpoints. */
    @AttributeDefinition(name = "Bind address",
            description = "The address the server listens on and publishes in its endpoints (default 127.0.0.1: "
                    + "only this machine connects). 0.0.0.0 listens on every interface and publishes this "
                    + "machine's name.")
    String bindAddress() default "127.0.0.1";

    /** The server's port. */
    @AttributeDefinition(name = "Port", min = "0", max = "65535",
            description = "The server's TCP port (default 8201; 0 picks a free one). The socket is opened when the "
                    + "first service is exported through this provider.")
    int port() default 8201;

    /** Whether connections use TLS with client certificates. */
    @AttributeDefinition(name = "TLS",
            description = "Mutual TLS on both sides (default false): the server asks every client for a "
                    + "certificate its trust store trusts, the client checks the server's the same way. Needs the "
                    + "key store and the trust store below.")
    boolean tls() default false;

    /** The key store (PKCS12 or JKS) with this side's key and certificate. */
    @AttributeDefinition(name = "Key store", required = false,
            description = "Path of the key store (PKCS12 or JKS) holding this side's private key and certificate.")
    String keyStore() default "";

    /** The key store's password. */
    @AttributeDefinition(name = "Key store password", type = AttributeType.PASSWORD, required = false,
            description = "Password of the key store and of its key. Never logged.")
    String keyStorePassword() default "";

    /** The trust store with the certificates of the peers this side accepts. */
    @AttributeDefinition(name = "Trust store", required = false,
            description = "Path of the trust store (PKCS12 or JKS) with the certificates (or their issuers) of the "
                    + "peers this side accepts.")
    String trustStore() default "";

    /** The trust store's password. */
    @AttributeDefinition(name = "Trust store password", type = AttributeType.PASSWORD, required = false,
            description = "Password of the trust store. Never logged.")
    String trustStorePassword() default "";

    /** How many connections the server serves at once, and the client keeps per address. */
    @AttributeDefinition(name = "Connections", min = "1", max = "4096",
            description = "How many connections the server serves at once (one thread each; a connection beyond "
                    + "them is closed at once) and the client opens at most per server address (default 64).")
    int maxConnections() default 64;

    /** How long a server connection may wait for a request. */
    @AttributeDefinition(name = "Read timeout (ms)", min = "1000", max = "3600000",
            description = "How long the server waits for the next request on a connection, and for the rest of a "
                    + "request begun, before it closes the connection (default 180000). Clients keep idle "
                    + "connections for at most 60000 ms, so keep this above that.")
    long readTimeoutMillis() default 180_000L;

    /** How long a client waits for a connection. */
    @AttributeDefinition(name = "Connect timeout (ms)", min = "1", max = "600000",
            description = "How long a client waits for a new connection, TLS handshake included (default 5000).")
    long connectTimeoutMillis() default 5_000L;

    /** How long a client waits for an answer. */
    @AttributeDefinition(name = "Call timeout (ms)", min = "1", max = "3600000",
            description = "How long a client waits for the answer to a call (default 130000, above the remote "
                    + "backend's own call timeout of 120000 so that its bound is the one callers see). A call "
                    + "without an answer in time fails with org.osgi.framework.ServiceException (REMOTE), and its "
                    + "connection is closed.")
    long callTimeoutMillis() default 130_000L;
}
