package dev.scard.core.spi;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.ShareMode;

/**
 * A {@link Backend} that passes every call to another one: what a backend's DS component implements when the
 * component registers the {@code Backend} service but a separate object (created on activation) does the work.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface ForwardingBackend extends Backend {

    /** The backend that does the work; called on every call, so it may change (be created on activation). */
    Backend delegate();

    @Override
    default String name() {
        return delegate().name();
    }

    @Override
    default Duration callTimeout() {
        return delegate().callTimeout();
    }

    @Override
    default List<ReaderInfo> listReaders() {
        return delegate().listReaders();
    }

    @Override
    default ReaderInfo readerInfo(String readerName) {
        return delegate().readerInfo(readerName);
    }

    @Override
    default ReaderConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        return delegate().connect(readerName, shareMode, preferredProtocols);
    }
}
