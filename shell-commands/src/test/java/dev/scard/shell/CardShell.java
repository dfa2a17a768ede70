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

/**
 * The file, PIN and authentication commands over one simulator-like backend whose card is a {@link FakeCard},
 * with a session attached to its reader. Sessions are proxies with a variable map, so a test can give one the
 * variables a console would ({@code .reader}, {@code .session}).
 */
final class CardShell {

    static final String READER = "Simulated Reader 0";

    final FakeRegistry registry = new FakeRegistry();
    final FakeBackend backend = new FakeBackend("simulator", READER);
    final FakeCard card = new FakeCard();
    final ScardCommands commands;
    final FileCommands files;
    final PinCommands pins;
    final AuthCommands auth;
    final CommandSession session;
    final Map<String, Object> variables = new HashMap<>();

    CardShell() {
        backend.cardServices = card;
        Map<String, Object> props = Map.of(SCardServiceProperties.BACKEND, "simulator", Constants.SERVICE_RANKING, 0);
        registry.register(SCardResourceManager.class, backend, props);
        registry.registerPrototype(ISCardManage.class, backend::newManager, props);
        commands = new ScardCommands(registry.context);
        files = new FileCommands(commands);
        pins = new PinCommands(commands);
        auth = new AuthCommands(commands);
        session = session(variables);
        commands.attach(session, "", "t0,t1", new String[] {READER});
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
