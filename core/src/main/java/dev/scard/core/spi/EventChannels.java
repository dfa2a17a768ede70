package dev.scard.core.spi;

/**
 * The core's service through which backends publish their reader and card events. A backend component references
 * it (statically, mandatory) and opens its channel when it activates, before it registers its {@link Backend}: so
 * the events of its first readers reach the listeners, and the core is there for as long as the backend is.
 */
@org.osgi.annotation.versioning.ProviderType
public interface EventChannels {

    /**
     * Opens the channel of one backend. Its events go, in the order published and on one thread of their own
     * (named {@code scard-<backend>-events}), to every {@code SCardEventListener} service that has no
     * {@value dev.scard.api.SCardServiceProperties#BACKEND} property or has this backend's, then to Event Admin when
     * one is present.
     *
     * @param backendName the backend's {@link Backend#name()}
     * @return a channel the backend owns and closes when it stops
     * @throws IllegalArgumentException when {@code backendName} is null or blank
     */
    EventChannel open(String backendName);
}
