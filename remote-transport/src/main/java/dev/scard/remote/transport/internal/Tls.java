package dev.scard.remote.transport.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The TLS context of a configuration: this side's key and the peers it trusts. */
final class Tls {

    /** The protocols both sides speak. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private Tls() {
    }

    /**
     * The TLS context of {@code config}, or null when TLS is off.
     *
     * @throws IllegalArgumentException naming the store (never a password) when a store is missing or unreadable
     */
    static SSLContext context(TransportConfig config) {
        if (!config.tls()) {
            return null;
        }
        char[] keyPassword = config.keyStorePassword().toCharArray();
        char[] trustPassword = config.trustStorePassword().toCharArray();
        try {
            KeyStore keys = load("key store", config.keyStore(), keyPassword);
            KeyStore trusted = load("trust store", config.trustStore(), trustPassword);
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, keyPassword);
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(ScardTcpProvider.PID + ": TLS cannot be set up from the key store '"
                    + config.keyStore() + "' and the trust store '" + config.trustStore() + "' ("
                    + e.getClass().getName() + ")", e);
        } finally {
            Arrays.fill(keyPassword, '\0');
            Arrays.fill(trustPassword, '\0');
        }
    }

    private static KeyStore load(String what, String path, char[] password) throws GeneralSecurityException {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException(ScardTcpProvider.PID + ": tls=true needs a " + what + " path");
        }
        Path file = Path.of(path);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(ScardTcpProvider.PID + ": the " + what + " '" + path
                    + "' is not a readable file");
        }
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (IOException e) {
            // Wrong password or not a key store: the JDK says which in its message, which holds no password.
            throw new IllegalArgumentException(ScardTcpProvider.PID + ": the " + what + " '" + path
                    + "' cannot be opened (wrong password, or not a PKCS12 or JKS key store)", e);
        }
    }
}
