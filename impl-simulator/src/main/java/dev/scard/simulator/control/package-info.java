/**
 * Control API of the simulator backend: insert, remove and reset simulated cards, and plug in card models.
 * Exported by the simulator bundle for programs, tests and the {@code sim:} shell commands.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.scard.simulator.control;
