package dev.scard.shell;

import java.io.File;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * The {@code sim:} commands: insert (the reader's card, or a card of a profile file), remove and reset simulated
 * cards through the simulator's {@code SimulatorControl} service, and serve them to a real PC/SC daemon through vpcd ({@code sim:serve},
 * {@code sim:unserve}).
 *
 * <p>The simulator is optional: its package is imported with optional resolution and the reference is
 * optional and dynamic, so without the simulator these commands exist and fail with a clear message. No
 * field or method signature of this class names the control API (SCR reflects on them); {@link SimulatorCalls}
 * does, and is loaded only when a command runs.
 */
@Component(service = SimCommands.class, immediate = true)
@GogoCommand(scope = "sim", function = {"insert", "remove", "reset", "readers", "serve", "unserve"})
public class SimCommands {

    static final String NO_SIMULATOR =
            "the simulator is not running (no SimulatorControl service): sim: commands need the simulator backend";
    static final String NOT_WIRED = "the simulator's control API (dev.scard.simulator.control) is not wired to"
            + " the shell-commands bundle: refresh that bundle";
    private static final String READER = "simulated reader name as sim:readers shows it (quote it, or type its"
            + " words)";
    /** vpcd's first slot on this machine, the PC/SC reader "Virtual PCD 00 00". */
    static final String DEFAULT_VPCD = "127.0.0.1:35963";

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

    @Descriptor("insert the reader's card: the one last removed (with its state), or a fresh default card; or,"
            + " given a card profile file, a fresh card of that profile")
    public String insert(@Descriptor(READER + ", then optionally a JSON card profile file (a word ending in .json or"
            + " containing a '/'; relative to the working directory)") String... words) {
        String[] parts = ShellArgs.readerAndOption(words, SimCommands::isProfilePath, "sim:readers");
        String name = parts[0];
        if (parts[1] == null) {
            call(SimulatorCalls::insert, name);
            return "Inserted a card into '" + name + "'";
        }
        Path profile;
        try {
            profile = Path.of(parts[1]);
        } catch (InvalidPathException e) {
            throw ShellFailures.badInput("'" + parts[1] + "' is not a file path: " + e.getReason());
        }
        call((control, reader) -> SimulatorCalls.insertProfile(control, reader, profile), name);
        return "Inserted a card of profile '" + parts[1] + "' into '" + name + "'";
    }

    /** Whether the last word of {@code sim:insert} names a profile file rather than ends the reader name. */
    static boolean isProfilePath(String word) {
        return word != null && (word.toLowerCase(Locale.ROOT).endsWith(".json") || word.indexOf('/') >= 0
                || word.indexOf(File.separatorChar) >= 0);
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

    @Descriptor("serve the reader's card to a PC/SC daemon through the vsmartcard vpcd driver: while a card is in,"
            + " pcscd sees it in vpcd's reader (127.0.0.1:35963 is 'Virtual PCD 00 00', :35964 'Virtual PCD 00 01')")
    public String serve(@Descriptor(READER + ", then optionally where vpcd listens, <host>:<port> (default "
            + DEFAULT_VPCD + "; quote an IPv6 address: '[::1]:35963')") String... words) {
        String[] parts = ShellArgs.readerAndOption(words, ShellArgs::isVpcdAddress, "sim:readers");
        String name = parts[0];
        ShellArgs.VpcdAddress address = ShellArgs.vpcdAddress(parts[1] == null ? DEFAULT_VPCD : parts[1]);
        call((control, reader) -> SimulatorCalls.serve(control, reader, address.host(), address.port()), name);
        String shown = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]:" + address.port()
                : address.host() + ":" + address.port();
        return "Serving the card in '" + name + "' to vpcd at " + shown
                + " while a card is in; sim:readers shows whether it is connected";
    }

    @Descriptor("stop serving the reader's card to vpcd: pcscd sees the card removed; it stays in the simulated reader")
    public String unserve(@Descriptor(READER) String... reader) {
        String name = readerName(reader);
        String address = call(SimulatorCalls::unserve, name);
        if (address == null) {
            return "'" + name + "' was not served to vpcd";
        }
        return "Stopped serving '" + name + "' to vpcd at " + address;
    }

    @Descriptor("list the simulated readers, whether a card is in each, and where it is served to vpcd")
    public String readers() {
        List<String[]> rows = call((control, ignored) -> SimulatorCalls.readers(control), null);
        if (rows.isEmpty()) {
            return "No simulated readers";
        }
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"Reader", "Card", "Served to", "vpcd link"});
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
