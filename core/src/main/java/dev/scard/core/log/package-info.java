/**
 * Logging through the OSGi Log Service, for the bundles of this project that log (the core and the backends).
 *
 * <p>Each bundle keeps one {@link dev.scard.core.log.BundleLog}, which its DS component binds to the
 * {@code org.osgi.service.log.LoggerFactory} service it gets (Felix Log in the distribution, Pax Logging in Karaf):
 * that service is the bundle's own, so every record names the bundle that logged it. The bundle's classes log
 * through a {@link dev.scard.core.log.Log} each ({@link dev.scard.core.log.BundleLog#logger(Class)}), whether or not
 * they are components themselves. Outside OSGi (unit tests, benchmarks), and in a framework without a Log Service,
 * the records go to {@link System.Logger} instead.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.scard.core.log;
