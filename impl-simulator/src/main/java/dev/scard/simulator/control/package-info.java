/**
 * Control API of the simulator backend: insert, remove and reset simulated cards, and plug in card models.
 * Exported by the simulator bundle for programs, tests and the {@code sim:} shell commands.
 *
 * <p>The simulated readers behave like PC/SC readers: exclusive connections and transactions exclude others
 * ({@code SCARD_E_SHARING_VIOLATION}, waiting), and a removed or reset card is reported to every other connection
 * until it reconnects. Simulated readers can eject: the {@code EJECT} disposition removes the card as
 * {@link dev.scard.simulator.control.SimulatorControl#remove(String)} does, and {@code insert(reader)} puts it back.
 * The preferred protocol {@code RAW} always matches (commands reach the card model unchanged); a card's own protocol
 * is chosen when it is preferred too.
 *
 * <p>A simulated reader's card can also be served to a real PC/SC daemon (pcsc-lite with the vsmartcard {@code vpcd}
 * driver): {@link dev.scard.simulator.control.SimulatorControl#serve SimulatorControl.serve},
 * {@link dev.scard.simulator.control.SimulatorControl#unserve unserve} and
 * {@link dev.scard.simulator.control.SimulatorControl#served served} with the value type
 * {@link dev.scard.simulator.control.ServedReader}; they are part of 1.0.0 (not released before), as is
 * {@link dev.scard.simulator.control.SimulatorControl#insertProfile insertProfile}, which inserts a card made from a
 * card profile file. 1.2.0 adds the replay of recorded traces:
 * {@link dev.scard.simulator.control.SimulatorControl#insertTrace insertTrace},
 * {@link dev.scard.simulator.control.SimulatorControl#replays replays}, {@link dev.scard.simulator.control.ReplayMatch}
 * and {@link dev.scard.simulator.control.ReplayStatus}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.scard.simulator.control;
