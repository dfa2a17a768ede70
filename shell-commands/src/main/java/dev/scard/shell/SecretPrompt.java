package dev.scard.shell;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Locale;
import java.util.Set;

import org.apache.felix.service.command.CommandSession;

/**
 * Reads a PIN or PUK from the terminal of a shell session, without echo, or fails at once when the session has
 * no terminal to ask on. It never reads from a session's plain input stream: commands piped into a console are
 * the next command lines, not the PIN, and a PIN read from them would cost a try.
 *
 * <p>How a command finds the terminal:
 * <ul>
 * <li><b>Karaf 4.4</b> puts its console session in the session variable {@code .session}
 * ({@code org.apache.karaf.shell.api.console.Session}); its {@code readLine(prompt, mask)} reads a masked line on
 * an interactive console (local or SSH) and throws {@link UnsupportedOperationException} in a headless session
 * (a command sent with {@code bin/client} or {@code ssh host command}). It is called by reflection, so this
 * bundle needs no Karaf package.</li>
 * <li><b>Felix gogo-jline 1.1.8</b> puts the console's {@code org.jline.reader.LineReader} in {@code .reader}
 * only for its interactive prompt (not for {@code gosh -c} or a script); {@code .terminal} (the jline
 * {@code Terminal}) is there in every mode, so it alone says nothing. A fresh line reader on the reader's
 * terminal reads the PIN with jline's null mask (nothing is shown, as with {@code getpass}), no history, no
 * completion and no {@code !} expansion ({@link JLineSecretReader}). The scard console can offer the same by
 * putting its reader in {@code .reader}.</li>
 * <li>A jline dumb terminal (input that is not a terminal, e.g. a Karaf console fed from a pipe) cannot turn
 * echo off: refused, in Karaf ({@code .jline.terminal}) and in gogo-jline alike. The terminal is asked for its
 * type ({@code dumb}, {@code dumb-color}) rather than judged by its class, as Karaf wraps its jline terminal in a
 * class of its own ({@link #canHideInput}).</li>
 * <li>Anything else ({@code -c} mode, piped standard input, sessions of tests and programs): refused with a
 * message that asks for the PIN as an argument.</li>
 * </ul>
 *
 * <p>The code comes back as a {@code char[]} that the caller clears. On a gogo-jline console (the scard
 * distribution) no String of it is ever made: {@link JLineSecretReader} reads it key by key. Karaf's
 * {@code Session.readLine} answers a String, which this class cannot avoid or clear; it is turned into a
 * {@code char[]} at once and not copied anywhere else.
 */
final class SecretPrompt {

    /** Karaf's console session, in Karaf sessions. */
    static final String KARAF_SESSION = ".session";
    /** The jline terminal of a Karaf console session. */
    static final String KARAF_TERMINAL = ".jline.terminal";
    /** jline's terminal types for input that is not a terminal (a dumb terminal): it cannot turn echo off. */
    static final Set<String> DUMB_TYPES = Set.of("dumb", "dumb-color");
    /** The interactive console's jline LineReader, in gogo-jline (Shell.VAR_READER) and Karaf sessions. */
    static final String READER = ".reader";
    /** jline's null mask: nothing is shown for the typed characters. */
    static final char NO_ECHO = 0;

    private SecretPrompt() {
    }

    /** How a command reads a code without echo: {@link SecretPrompt#read}, or a stand-in in tests. */
    @FunctionalInterface
    interface Reader {

        /**
         * Reads one code as {@link SecretPrompt#read} does.
         *
         * @return the characters typed (possibly none), in an array the caller clears
         */
        char[] read(CommandSession session, String prompt, String usage);
    }

    /**
     * Reads one line without echo.
     *
     * @param prompt what to ask: {@code "Enter PIN 1: "}
     * @param usage how to give the code as an argument instead, for the message when no terminal is there:
     *        {@code "scard:verify 1 <PIN>"}
     * @return the line as typed (possibly empty), in an array the caller clears
     * @throws IllegalArgumentException ({@code E_INVALIDARG}) when the session has no terminal to ask on
     * @throws dev.scard.api.SCardException {@code SCARD_W_CANCELLED_BY_USER} on Ctrl-C or end of input
     */
    static char[] read(CommandSession session, String prompt, String usage) {
        Object karaf = session.get(KARAF_SESSION);
        if (karaf != null && karaf != session) {
            Method readLine = readLineMethod(karaf.getClass());
            if (readLine != null) {
                Object terminal = session.get(KARAF_TERMINAL);
                if (terminal != null && !canHideInput(terminal)) {
                    throw noTerminal(usage, "its terminal cannot hide what is typed");
                }
                return readKaraf(karaf, readLine, prompt, usage);
            }
        }
        Object reader = session.get(READER);
        if (reader != null && implementsInterface(reader.getClass(), "org.jline.reader.LineReader")) {
            try {
                if (JLineSecretReader.isDumb(reader)) {
                    throw noTerminal(usage, "its terminal cannot hide what is typed");
                }
                return JLineSecretReader.read(reader, prompt);
            } catch (LinkageError | ClassCastException e) {
                // this bundle is not wired to the console's jline: no way to ask without echo
                throw noTerminal(usage, "its terminal is not usable from here");
            }
        }
        throw noTerminal(usage, "it has no interactive terminal");
    }

    /** Karaf's masked read; its API answers a String (see the class comment), made a char[] at once. */
    private static char[] readKaraf(Object karaf, Method readLine, String prompt, String usage) {
        try {
            Object line = readLine.invoke(karaf, prompt, Character.valueOf(NO_ECHO));
            if (line == null) {
                throw CardErrors.cancelled("no code entered (end of input)");
            }
            return line.toString().toCharArray();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnsupportedOperationException) {
                throw noTerminal(usage, "it is a headless session");
            }
            String name = cause == null ? "" : cause.getClass().getName();
            if (name.endsWith(".UserInterruptException") || name.endsWith(".EndOfFileException")) {
                throw CardErrors.cancelled("code entry cancelled");
            }
            throw noTerminal(usage, "reading from its terminal failed");
        } catch (IllegalAccessException e) {
            throw noTerminal(usage, "its terminal is not usable from here");
        }
    }

    /** {@code readLine(String, Character)} as a public interface declares it, else as the public class does. */
    private static Method readLineMethod(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                Method m = publicMethod(i);
                if (m != null) {
                    return m;
                }
            }
        }
        return Modifier.isPublic(type.getModifiers()) ? publicMethod(type) : null;
    }

    private static Method publicMethod(Class<?> type) {
        if (!Modifier.isPublic(type.getModifiers())) {
            return null;
        }
        try {
            Method m = type.getMethod("readLine", String.class, Character.class);
            return Modifier.isPublic(m.getDeclaringClass().getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * Whether a jline terminal (or a console's wrapper of one, such as Karaf's {@code JLineTerminal}) can read
     * without echo. Asked through its public {@code getType()}, not its class, so that a wrapper answers for the
     * terminal it wraps: a type of {@code null}, {@code dumb} or {@code dumb-color} is a dumb terminal (input that
     * is not a terminal, e.g. {@code bin/karaf} fed from a pipe), which cannot. A terminal that says it has no
     * pseudo-terminal (a public {@code getPty()} that answers {@code null} or fails) cannot either. Anything that
     * cannot be asked is taken as not interactive.
     */
    static boolean canHideInput(Object terminal) {
        if (terminal == null) {
            return false;
        }
        Method getType = publicNoArgMethod(terminal.getClass(), "getType");
        if (getType == null) {
            return false;
        }
        Object type;
        try {
            type = getType.invoke(terminal);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
        if (type == null || DUMB_TYPES.contains(type.toString().strip().toLowerCase(Locale.ROOT))) {
            return false;
        }
        Method getPty = publicNoArgMethod(terminal.getClass(), "getPty");
        if (getPty != null) {
            try {
                return getPty.invoke(terminal) != null;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * A public method without parameters, as a public interface declares it, else as a public class does (a
     * method found only on a class that is not public could not be called).
     */
    private static Method publicNoArgMethod(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            Method m = declaredByInterface(c.getInterfaces(), name);
            if (m != null) {
                return m;
            }
        }
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (Modifier.isPublic(c.getModifiers())) {
                try {
                    Method m = c.getMethod(name);
                    if (Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
                        return m;
                    }
                } catch (NoSuchMethodException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static Method declaredByInterface(Class<?>[] interfaces, String name) {
        for (Class<?> i : interfaces) {
            if (Modifier.isPublic(i.getModifiers())) {
                try {
                    return i.getMethod(name);
                } catch (NoSuchMethodException e) {
                    // not this one
                }
            }
            Method m = declaredByInterface(i.getInterfaces(), name);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    /** Whether the class or one of its supertypes implements an interface of this name (loading nothing). */
    static boolean implementsInterface(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals(name) || implementsInterface(i, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static IllegalArgumentException noTerminal(String usage, String why) {
        return ShellFailures.badInput("cannot ask for the code without echo: this shell session is not interactive"
                + " (" + why + "); give it as an argument: " + usage);
    }
}
