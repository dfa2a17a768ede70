package dev.scard.remote.rsa;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.Version;
import org.osgi.framework.hooks.weaving.WeavingHook;
import org.osgi.framework.hooks.weaving.WovenClass;

/**
 * An OSGi weaving hook that puts patched classes in place of two classes of Apache Aries RSA's TCP provider, in the
 * bundle {@value #ARIES_TCP_BUNDLE} {@value #ARIES_TCP_VERSION} only (any other version is left alone). The patched
 * classes are compiled from that version's own sources (in this module under {@code org/apache/aries/rsa/provider/tcp},
 * changes marked "SCard:") and carried as resources under {@value #FOLDER}, never as classes of this bundle:
 * <ul>
 * <li>{@code TCPServer}: listens on the address the endpoint publishes ({@code aries.rsa.hostname}), not on every
 * interface; sends without Nagle's delay (TCP_NODELAY); waits at most 30 s for a call's bytes; a client's broken
 * connection no longer ends a server thread (in 1.16.1 each one did, until none was left);</li>
 * <li>{@code TcpInvocationHandler} (the client): a bounded connect (at most 10 s, and at most the call timeout) and
 * TCP_NODELAY.</li>
 * </ul>
 * Without TCP_NODELAY a call and its answer, each written in two parts, met Nagle's algorithm and delayed ACKs: 25 to
 * 40 ms per call on loopback (40 calls per second); with it, thousands.
 *
 * <p>The hook must be registered before the provider loads these classes: the distribution starts this bundle first
 * (start order by name), Karaf's feature at start level 70 (Aries RSA: 80).
 */
final class TcpPatch implements WeavingHook {

    /** The provider's bundle. */
    static final String ARIES_TCP_BUNDLE = "org.apache.aries.rsa.provider.tcp";
    /** The one version the patch is made for. */
    static final String ARIES_TCP_VERSION = "1.16.1";
    /** Where this bundle carries the patched class files. */
    static final String FOLDER = "aries-tcp-patch/";
    /** The patched classes (with the anonymous classes of the client, which keep their numbers). */
    static final List<String> CLASSES = List.of("TCPServer", "TcpInvocationHandler", "TcpInvocationHandler$1",
        "TcpInvocationHandler$2", "TcpInvocationHandler$3");
    private static final String PACKAGE = "org.apache.aries.rsa.provider.tcp.";

    private final Map<String, byte[]> patches;

    private TcpPatch(Map<String, byte[]> patches) {
        this.patches = patches;
    }

    /**
     * Reads the patched classes from this bundle.
     *
     * @param bundle this bundle
     * @return the hook
     * @throws UncheckedIOException when a patched class is missing or cannot be read
     */
    static TcpPatch load(Bundle bundle) {
        Map<String, byte[]> patches = new HashMap<>();
        for (String name : CLASSES) {
            java.net.URL entry = bundle.getEntry(FOLDER + name + ".bytes");
            if (entry == null) {
                throw new UncheckedIOException(new IOException("the patched class " + name + " is missing from "
                    + bundle.getSymbolicName()));
            }
            try (InputStream in = entry.openStream()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                patches.put(PACKAGE + name, bytes.toByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new TcpPatch(Collections.unmodifiableMap(patches));
    }

    /**
     * Gives a patched class its patched bytes; leaves every other class alone.
     *
     * @param woven the class being loaded
     */
    @Override
    public void weave(WovenClass woven) {
        byte[] patched = patches.get(woven.getClassName());
        if (patched == null) {
            return;
        }
        Bundle bundle = woven.getBundleWiring().getBundle();
        if (ARIES_TCP_BUNDLE.equals(bundle.getSymbolicName())
            && bundle.getVersion().equals(Version.parseVersion(ARIES_TCP_VERSION))) {
            woven.setBytes(patched.clone());
        }
    }
}
