package dev.scard.shell;

import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.Constants;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.BackendResourceManager;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.simulator.internal.SimulatorBackend;

/**
 * The file, PIN and authentication commands over the real sample card: the simulator's card model
 * ({@code sample-card.json}, described in impl-simulator's PROFILES.md) in a standalone {@link SimulatorBackend}
 * used as a plain library, reached through the core's {@link CardManager} and {@link BackendResourceManager}, whose
 * {@code createFileAccess}/{@code createCHVerification}/{@code createCardAuth} give card-services' real
 * implementations (wrapped by {@link CardServiceCalls}, which records the calls and can inject the faults the real
 * card cannot produce). A session is attached to the card's reader. Sessions are proxies with a variable map, so a
 * test can give one the variables a console would ({@code .reader}, {@code .session}).
 */
final class CardShell implements AutoCloseable {

    static final String READER = "Simulated Reader 0";
    /** The session variable a test puts a PrintStream under to be the session's console. */
    static final String CONSOLE = "test.console";

    final FakeRegistry registry = new FakeRegistry();
    final SimulatorBackend simulator = SimulatorBackend.standalone(List.of(READER));
    final HandleTable handles = new HandleTable();
    /** The calls the commands made on the card services, and the faults to inject. */
    final CardServiceCalls card = new CardServiceCalls();
    final List<CardManager> managers = new ArrayList<>();
    final ScardCommands commands;
    final FileCommands files;
    final PinCommands pins;
    final AuthCommands auth;
    final CommandSession session;
    final Map<String, Object> variables = new HashMap<>();

    CardShell() {
        this(null);
    }

    /**
     * @param observed a card model every APDU goes through (from the shell's manager and the card services' views),
     *        or null for the sample card as it is
     */
    CardShell(ObservedCard observed) {
        card.observed = observed;
        simulator.insert(READER); // the sample card
        Map<String, Object> props = Map.of(SCardServiceProperties.BACKEND, "simulator", Constants.SERVICE_RANKING, 0);
        registry.register(SCardResourceManager.class, new BackendResourceManager(simulator, handles), props);
        registry.registerPrototype(ISCardManage.class,
                observed == null ? this::newManager : () -> observed.wrap(newManager()), props);
        commands = new ScardCommands(registry.context);
        files = new FileCommands(commands);
        pins = new PinCommands(commands);
        auth = new AuthCommands(commands);
        session = session(variables);
        commands.attach(session, "", "t0,t1", new String[] {READER});
    }

    /** A manager over the sample card's reader with card-services' factories, recorded by {@link #card}. */
    CardManager newManager() {
        CardManager manager = new CardManager(simulator, handles);
        card.bindFactories(manager);
        managers.add(manager);
        return manager;
    }

    @Override
    public void close() {
        for (CardManager manager : managers) {
            manager.dispose("test finished");
        }
        simulator.close();
    }

    /** A session whose variables are the map's. */
    static CommandSession session(Map<String, Object> variables) {
        return (CommandSession) Proxy.newProxyInstance(CardShell.class.getClassLoader(),
                new Class<?>[] {CommandSession.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "get":
                            return variables.get((String) args[0]);
                        case "put":
                            return variables.put((String) args[0], args[1]);
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return "session";
                        case "getConsole":
                            if (variables.get(CONSOLE) instanceof java.io.PrintStream console) {
                                return console;
                            }
                            throw new UnsupportedOperationException(method.getName());
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /**
     * A stand-in for Karaf's console session: {@code readLine(prompt, mask)} answers the given lines in turn and
     * records prompts and masks; with no lines left it acts like a headless session.
     */
    public static final class KarafLike {
        final ArrayDeque<String> lines = new ArrayDeque<>();
        final List<String> prompts = new ArrayList<>();
        final List<Character> masks = new ArrayList<>();

        KarafLike(String... answers) {
            lines.addAll(List.of(answers));
        }

        public String readLine(String prompt, Character mask) {
            prompts.add(prompt);
            masks.add(mask);
            if (lines.isEmpty()) {
                throw new UnsupportedOperationException();
            }
            return lines.poll();
        }
    }
}
