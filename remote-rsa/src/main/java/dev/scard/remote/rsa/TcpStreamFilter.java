package dev.scard.remote.rsa;

import java.io.ObjectInputFilter;
import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * The deserialization allow-list of Apache Aries RSA's TCP provider ({@code org.apache.aries.rsa.provider.tcp}), as
 * one JVM-wide {@link ObjectInputFilter}.
 *
 * <p>The provider (1.16.1) reads every call and every answer with its own {@code ObjectInputStream} subclass and sets
 * no filter of its own; its streams therefore take the JVM-wide filter ({@link ObjectInputFilter.Config#getSerialFilter()}).
 * A filter factory would be narrower, but the JDK lets a factory be set only before the first
 * {@code ObjectInputStream} of the JVM is made, which an OSGi bundle cannot promise. So this filter is JVM-wide, and
 * narrows itself: a class in the allow-list is allowed in any stream; a class outside it (or a stream beyond the
 * limits) is rejected only when the stream is read by the Aries TCP provider (a frame of its package is on the
 * reading thread's stack), and left to the JVM's defaults otherwise. The stack is looked at only for what the list
 * does not allow, so allowed calls cost one pattern match per class.
 *
 * <p>The allow-list ({@link #ALLOW_LIST}): the contract's API ({@code dev.scard.api}) and the remote API
 * ({@code dev.scard.remote.api}), strings, boxed primitives, enums, arrays of these and of primitives, the
 * exceptions a call can end with (their stack traces and suppressed lists), the few {@code java.util} lists a value
 * type may hold, OSGi's {@code ServiceException} and the provider's {@code VersionMarker}; with limits on depth,
 * references, bytes and array length that an APDU of 65,544 bytes fits.
 */
public final class TcpStreamFilter implements ObjectInputFilter {

    /** The package of Aries RSA's TCP provider: a stream read below one of its frames is one of its streams. */
    static final String ARIES_TCP = "org.apache.aries.rsa.provider.tcp.";

    /** The allow-list in the JDK's filter-pattern syntax ({@link ObjectInputFilter.Config#createFilter}). */
    public static final String ALLOW_LIST = String.join(";",
        "maxdepth=32", "maxrefs=65536", "maxbytes=4194304", "maxarray=131072",
        "dev.scard.api.*", "dev.scard.remote.api.*",
        "java.lang.Object", "java.lang.String", "java.lang.Enum", "java.lang.Number", "java.lang.Boolean",
        "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long", "java.lang.Character",
        "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.Error",
        "java.lang.StackTraceElement", "java.lang.IllegalArgumentException", "java.lang.IllegalStateException",
        "java.lang.NullPointerException", "java.lang.UnsupportedOperationException",
        "java.lang.IndexOutOfBoundsException", "java.lang.ArrayIndexOutOfBoundsException",
        "java.lang.ClassCastException", "java.lang.InterruptedException", "java.lang.ReflectiveOperationException",
        "java.lang.IllegalAccessException", "java.lang.NoSuchMethodException",
        "java.lang.reflect.UndeclaredThrowableException", "java.lang.reflect.InvocationTargetException",
        "java.io.IOException", "java.io.UncheckedIOException", "java.util.concurrent.TimeoutException",
        "java.util.ArrayList", "java.util.Arrays$ArrayList", "java.util.CollSer", "java.util.ImmutableCollections$List12",
        "java.util.ImmutableCollections$ListN", "java.util.Collections$EmptyList",
        "java.util.Collections$UnmodifiableList", "java.util.Collections$UnmodifiableRandomAccessList",
        "java.util.Collections$UnmodifiableCollection", "java.util.Collections$SingletonList",
        "org.osgi.framework.ServiceException", "org.apache.aries.rsa.provider.tcp.ser.VersionMarker",
        "!*");

    private static final System.Logger LOG = System.getLogger("dev.scard.remote.rsa");

    private final ObjectInputFilter allowList = ObjectInputFilter.Config.createFilter(ALLOW_LIST);

    /** What {@link #install()} found. */
    public enum Installation {
        /** This call made the filter the JVM-wide one. */
        INSTALLED,
        /** An earlier call (perhaps of an earlier start of this bundle) had made it the JVM-wide one already. */
        ALREADY_INSTALLED,
        /** Another JVM-wide filter was in force (e.g. {@code -Djdk.serialFilter}): it applies instead. */
        OTHER_FILTER
    }

    /**
     * Makes this filter the JVM-wide one, unless it (or another one) is already. The JDK lets the JVM-wide filter be
     * set only once: it stays until the JVM ends, also after this bundle stops.
     *
     * @return what was found and done
     */
    public static synchronized Installation install() {
        ObjectInputFilter current = ObjectInputFilter.Config.getSerialFilter();
        if (current == null) {
            try {
                ObjectInputFilter.Config.setSerialFilter(new TcpStreamFilter());
                return Installation.INSTALLED;
            } catch (IllegalStateException e) {
                current = ObjectInputFilter.Config.getSerialFilter();
            }
        }
        return current != null && current.getClass().getName().equals(TcpStreamFilter.class.getName())
            ? Installation.ALREADY_INSTALLED
            : Installation.OTHER_FILTER;
    }

    /**
     * Allows what the allow-list allows; rejects what it rejects when the stream is one of the Aries TCP provider's,
     * and leaves it undecided (the JVM's default) otherwise.
     *
     * @param info what the stream is about to read
     * @return the decision
     */
    @Override
    public Status checkInput(FilterInfo info) {
        Objects.requireNonNull(info, "info");
        Status status = allowList.checkInput(info);
        if (status != Status.REJECTED) {
            return status;
        }
        if (!readByAriesTcp()) {
            return Status.UNDECIDED;
        }
        Class<?> type = info.serialClass();
        LOG.log(Level.WARNING, "a remote call or answer was refused: it holds {0}, which the allow-list of remote "
            + "calls does not allow, or goes beyond its limits (depth {1}, array length {2})",
            type == null ? "no class" : type.getName(), info.depth(), info.arrayLength());
        return Status.REJECTED;
    }

    private static boolean readByAriesTcp() {
        return StackWalker.getInstance()
            .walk(frames -> frames.anyMatch(frame -> frame.getClassName().startsWith(ARIES_TCP)));
    }
}
