/**
 * The remote-friendly service through which a machine with readers serves them to other machines:
 * {@link dev.scard.remote.api.RemoteCardHost}, exported through OSGi Remote Services (Apache Aries RSA with the
 * distribution provider {@code scard.tcp} of {@code dev.scard.remote-transport}) by the bundle {@code dev.scard.remote-host} and imported as the backend {@code scard.backend=remote} by
 * {@code dev.scard.impl-remote}.
 *
 * <p>The interface is coarse (one call per contract operation, a whole APDU exchange per {@code transmit}) and has no
 * callbacks: events are fetched with {@link dev.scard.remote.api.RemoteCardHost#events}. Everything it carries is
 * plain data, so both sides need nothing but this package and {@code dev.scard.api}: {@code byte[]}, {@code String},
 * {@code long}, the API's enums ({@link dev.scard.api.ShareMode}, {@link dev.scard.api.Protocol},
 * {@link dev.scard.api.Disposition}, {@link dev.scard.api.CardState}, {@link dev.scard.api.SCardEvent.Type}), the
 * final, immutable, serializable values of this package, and {@link dev.scard.api.SCardException} (without a cause)
 * for every failure (the classes the transport's deserialization allow-list lets through). No method takes
 * {@code null} or is overloaded, so that any distribution provider can carry the interface.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.scard.remote.api;
