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
 * An OSGi weaving hook that puts patched classes in place of classes of one version of one bundle (any other version
 * is left alone). The patched classes are compiled from that version's own sources (in this module under
 * {@code org/apache/...}, changes marked "SCard:") and carried as resources, never as classes of this bundle. Two
 * patches exist:
 *
 * <ul>
 * <li>{@link #ariesTcp}, Apache Aries RSA's TCP provider 1.16.1: {@code TCPServer} listens on the address the endpoint
 * publishes ({@code aries.rsa.hostname}), not on every interface; sends without Nagle's delay (TCP_NODELAY); waits
 * at most 30 s for a call's bytes; a client's broken connection no longer ends a server thread (in 1.16.1 each one
 * did, until none was left). {@code TcpInvocationHandler} (the client): a bounded connect (at most 10 s, and at most
 * the call timeout) and TCP_NODELAY. Without TCP_NODELAY a call and its answer, each written in two parts, met
 * Nagle's algorithm and delayed ACKs: 25 to 40 ms per call on loopback (40 calls per second);</li>
 * <li>{@link #zookeeperClient}, the ZooKeeper 3.4.14 client bundle Aries RSA's ZooKeeper discovery is built for:
 * {@code StaticHostProvider} takes an unresolved server address's host as given, which on JDK 14 and newer it did not
 * (ZOOKEEPER-3779: it never connected).</li>
 * </ul>
 *
 * <p>A hook must be registered before the bundle loads these classes: the distribution starts this bundle first
 * (start order by name), Karaf's feature at start level 70 (Aries RSA: 80).
 */
final class BundlePatch implements WeavingHook {

    private final String bundleName;
    private final Version version;

    private final Map<String, byte[]> patches;

    private BundlePatch(String bundleName, String version, Map<String, byte[]> patches) {
        this.bundleName = bundleName;
        this.version = Version.parseVersion(version);
        this.patches = patches;
    }

    /**
     * The patch of Aries RSA's TCP provider 1.16.1.
     *
     * @param bundle this bundle, which carries the patched classes
     * @return the hook
     */
    static BundlePatch ariesTcp(Bundle bundle) {
        return load(bundle, "org.apache.aries.rsa.provider.tcp", "1.16.1", "aries-tcp-patch/",
            "org.apache.aries.rsa.provider.tcp.", List.of("TCPServer", "TcpInvocationHandler", "TcpInvocationHandler$1",
                "TcpInvocationHandler$2", "TcpInvocationHandler$3"));
    }

    /**
     * The patch of the ZooKeeper 3.4.14 client.
     *
     * @param bundle this bundle, which carries the patched classes
     * @return the hook
     */
    static BundlePatch zookeeperClient(Bundle bundle) {
        return load(bundle, "org.apache.hadoop.zookeeper", "3.4.14", "zookeeper-patch/", "org.apache.zookeeper.client.",
            List.of("StaticHostProvider", "StaticHostProvider$1"));
    }

    /**
     * Reads patched classes from this bundle.
     *
     * @throws UncheckedIOException when a patched class is missing or cannot be read
     */
    private static BundlePatch load(Bundle bundle, String bundleName, String version, String folder,
        String packagePrefix, List<String> classes) {
        Map<String, byte[]> patches = new HashMap<>();
        for (String name : classes) {
            java.net.URL entry = bundle.getEntry(folder + name + ".bytes");
            if (entry == null) {
                throw new UncheckedIOException(new IOException("the patched class " + name + " is missing from "
                    + bundle.getSymbolicName()));
            }
            try (InputStream in = entry.openStream()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                patches.put(packagePrefix + name, bytes.toByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new BundlePatch(bundleName, version, Collections.unmodifiableMap(patches));
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
        if (bundleName.equals(bundle.getSymbolicName()) && bundle.getVersion().equals(version)) {
            woven.setBytes(patched.clone());
        }
    }
}
