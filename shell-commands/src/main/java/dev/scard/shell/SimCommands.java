package dev.scard.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.scard.simulator.control.SimulatorControl;

/**
 * The {@code sim:} commands: insert, remove and reset simulated cards through the simulator's
 * {@code SimulatorControl} service.
 *
 * <p>The simulator is optional: its package is imported with optional resolution and the reference is
 * optional and dynamic, so without the simulator these commands exist and fail with a clear message. No
 * field or method signature of this class names the control API (SCR reflects on them); {@link SimulatorCalls}
 * does, and is loaded only when a command runs.
 */
@Component(service = SimCommands.class, immediate = true)
@GogoCommand(scope = "sim", function = {"insert", "remove", "reset", "readers"})
public class SimCommands {

    static final String NO_SIMULATOR =
            "the simulator is not running (no SimulatorControl service): sim: commands need the simulator backend";
    static final String NOT_WIRED = "the simulator's control API (dev.scard.simulator.control) is not wired to"
            + " the shell-commands bundle: refresh that bundle";
    private static final String READER = "simulated reader name as sim:readers shows it (quote it, or type its"
            + " words)";

    private final BundleContext context;
    private final AtomicReference<ServiceReference<?>> simulator = new AtomicReference<>();

    @Activate
    public SimCommands(BundleContext context) {
        this.context = context;
    }

    @Reference(service = SimulatorControl.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "unbindSimulator")
    void bindSimulator(ServiceReference<?> ref) {
        simulator.set(ref);
    }

    void unbindSimulator(ServiceReference<?> ref) {
        simulator.compareAndSet(ref, null);
    }

    @Descriptor("insert the reader's card: the one last removed (with its state), or a fresh default card")
    public String insert(@Descriptor(READER) String... reader) {
        String name = readerName(reader);
        call(SimulatorCalls::insert, name);
        return "Inserted a card into '" + name + "'";
    }

    @Descriptor("remove the card from a simulated reader; connections to it see SCARD_W_REMOVED_CARD")
    public String remove(@Descriptor(READER) String... reader) {
        String name = readerName(reader);
        call(SimulatorCalls::remove, name);
        return "Removed the card from '" + name + "'";
    }

    @Descriptor("reset the card in a simulated reader, as another application would; connections to it see"
            + " SCARD_W_RESET_CARD until they reconnect")
    public String reset(@Descriptor(READER) String... reader) {
        String name = readerName(reader);
        call(SimulatorCalls::reset, name);
        return "Reset the card in '" + name + "'";
    }

    @Descriptor("list the simulated readers and whether a card is in each")
    public String readers() {
        List<String[]> rows = call((control, ignored) -> SimulatorCalls.readers(control), null);
        if (rows.isEmpty()) {
            return "No simulated readers";
        }
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"Reader", "Card"});
        table.addAll(rows);
        return Formats.table(table);
    }

    private static String readerName(String[] words) {
        return ShellArgs.readerAndOption(words, word -> false, "sim:readers")[0];
    }

    /** Runs one call on the SimulatorControl service, got and released around it. */
    private <T> T call(BiFunction<Object, String, T> call, String reader) {
        ServiceReference<?> ref = simulator.get();
        Object control = ref == null ? null : context.getService(ref);
        if (control == null) {
            throw ShellFailures.unavailable(NO_SIMULATOR);
        }
        try {
            return call.apply(control, reader);
        } catch (LinkageError | ClassCastException e) {
            throw ShellFailures.unavailable(NOT_WIRED);
        } finally {
            context.ungetService(ref);
        }
    }
}
