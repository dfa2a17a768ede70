/**
 * The backend service-provider interface: what a bundle implements to put readers and cards behind the
 * {@code ISCardManage} contract.
 *
 * <p>A backend registers one {@link dev.scard.core.spi.Backend} service (whiteboard) with the property
 * {@value dev.scard.api.SCardServiceProperties#BACKEND}{@code =<name>} and its {@code service.ranking}. The core
 * bundle then registers, for that backend, the prototype-scoped {@link dev.scard.api.ISCardManage}, the bundle-scoped
 * {@link dev.scard.api.SCardResourceManager}, the default-backend registrations of {@code scard:use} and the
 * configuration {@value dev.scard.api.SCardServiceProperties#SERVICES_PID_PREFIX}{@code <name>}; it withdraws them
 * when the service goes. A backend publishes its reader and card events through the channel it opens on the core's
 * {@link dev.scard.core.spi.EventChannels} service; the core delivers them to listeners and Event Admin.
 *
 * <p>Backends implement {@link dev.scard.core.spi.Backend} (or {@link dev.scard.core.spi.ForwardingBackend}, when
 * their component passes the calls to an object of their own) and {@link dev.scard.core.spi.ReaderConnection}
 * (consumer types: a new abstract method there is a major change for backends); the core implements
 * {@link dev.scard.core.spi.EventChannels} and {@link dev.scard.core.spi.EventChannel} (provider types).
 * {@link dev.scard.core.spi.Arguments} holds the contract's argument checks, so every backend words them alike.
 *
 * <p>1.1.0 added {@link dev.scard.core.spi.ReaderConnection#secretCommands()}, a default method (a backend need not
 * implement it): the commands a card marks as carrying secrets, which the core's card trace withholds.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.scard.core.spi;
