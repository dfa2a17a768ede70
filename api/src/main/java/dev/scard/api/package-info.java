/**
 * The smart-card service-provider contract known from Windows as {@code ISCardManage}, as OSGi services.
 *
 * <p>{@link dev.scard.api.ISCardManage} attaches to a reader or a card and creates the worker interfaces
 * {@link dev.scard.api.ISCardFileAccess}, {@link dev.scard.api.ISCardVerify} and {@link dev.scard.api.ISCardAuth}.
 * {@link dev.scard.api.SCardResourceManager} lists readers and hands out card handles (the contract's
 * {@code HSCARD}). Every failure is a {@link dev.scard.api.SCardException} carrying the contract's HRESULT.
 *
 * <p>Backends register these services with the {@value dev.scard.api.SCardServiceProperties#BACKEND}
 * property; {@code ISCardManage} is registered with prototype scope (one instance = one attachment).
 *
 * <p>1.1.0 adds {@link dev.scard.api.ISCardManage#isLocked()} and the configuration and property names of
 * {@link dev.scard.api.SCardServiceProperties} ({@code scard.default}, the backends' configuration PIDs).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.scard.api;
