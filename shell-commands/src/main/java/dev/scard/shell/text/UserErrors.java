package dev.scard.shell.text;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * The commands' user errors, made so that Apache Karaf's console knows them from faults.
 *
 * <p>Karaf 4.4 logs a failed command in {@code karaf.log} at ERROR ("Exception caught while executing command")
 * with its stack trace, unless the exception's simple class name is {@code CommandException}: Karaf compares the
 * name, not the type (its own {@code org.apache.karaf.shell.support.CommandException}), logs such an exception at
 * DEBUG and prints what its public {@code getNiceHelp()} returns. So a user error (bad input, a state the user can
 * change, an error the contract names) is thrown here as one of the {@code CommandException} classes below, each a
 * subclass of the type callers and tests already expect ({@link SCardException}, {@link IllegalArgumentException},
 * {@link IllegalStateException}) with the same message; Karaf prints {@code Error executing command: <message>}
 * as before, and the distribution's console prints its {@code Error:} line as before. A fault (any other exception,
 * or an {@link SCardException} whose code says the program or the platform failed, see {@link #isFault}) is thrown
 * as it is and still reaches {@code karaf.log} as ERROR with its stack trace. The shell needs no Karaf class.
 */
public final class UserErrors {

    /** What Karaf prints in front of the message, as its own command errors do. */
    static final String KARAF_PREFIX = "Error executing command: ";

    /** Codes that mean the program, the platform or the resource manager failed: not the user's to fix. */
    private static final Set<HResult> FAULTS = EnumSet.of(HResult.E_UNEXPECTED, HResult.E_POINTER,
            HResult.E_OUTOFMEMORY, HResult.SCARD_E_NO_MEMORY, HResult.SCARD_E_UNEXPECTED,
            HResult.SCARD_F_INTERNAL_ERROR, HResult.SCARD_F_UNKNOWN_ERROR, HResult.SCARD_F_COMM_ERROR,
            HResult.SCARD_F_WAITED_TOO_LONG);

    private UserErrors() {
    }

    /**
     * Whether an {@link SCardException} with this code is a fault (logged by Karaf at ERROR) rather than a user
     * error: the {@code SCARD_F_*} codes and the unexpected, pointer and memory errors.
     *
     * @param code the contract's code
     * @return {@code true} for a fault
     */
    public static boolean isFault(HResult code) {
        return FAULTS.contains(code);
    }

    /**
     * A failure with the contract's code: a user error unless the code {@linkplain #isFault is a fault}.
     *
     * @param code the code
     * @param detail what went wrong, without the code (it is appended)
     * @param remainingTries tries left of a PIN, or -1
     * @return the exception to throw
     */
    public static SCardException card(HResult code, String detail, int remainingTries) {
        return isFault(code) ? new SCardException(code, detail, remainingTries, null)
                : new Card.CommandException(code, detail, remainingTries, null);
    }

    /**
     * What a command throws for a failure that reached it: an {@link SCardException} whose code is not a fault
     * becomes the user error with the same code, message and remaining tries (the original kept as its cause, for
     * Karaf's DEBUG log); anything else is returned as it is.
     *
     * @param failure what the API or the command threw
     * @return the exception to throw
     */
    public static RuntimeException userError(RuntimeException failure) {
        if (failure instanceof Card.CommandException || !(failure instanceof SCardException e) || isFault(e.code())) {
            return failure;
        }
        return new Card.CommandException(e.code(), detail(e), e.remainingTries().orElse(-1), e);
    }

    /** An exception's message without its trailing {@code [CODE 0x...]}, or the code's meaning when it has none. */
    public static String detail(SCardException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        String suffix = " [" + e.code().name() + " " + e.code().hex() + "]";
        if (message.endsWith(suffix)) {
            message = message.substring(0, message.length() - suffix.length());
        }
        return message.isBlank() ? e.code().meaning() : message;
    }

    /**
     * {@code target} seen through {@code type}, with every {@link SCardException} its methods throw turned into a
     * user error by {@link #userError}: for a service the commands call in many places (a session's
     * {@code ISCardManage}), so that no call site needs its own conversion.
     *
     * @param type the interface the commands use
     * @param target the service object
     * @param <T> the interface
     * @return a proxy that forwards every call to {@code target}
     */
    public static <T> T reporting(Class<T> type, T target) {
        Objects.requireNonNull(target, "target");
        InvocationHandler forward = (proxy, method, args) -> {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                throw cause instanceof RuntimeException runtime ? userError(runtime) : cause;
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, forward));
    }

    /**
     * Bad input typed by the user.
     *
     * @param message the whole message, code included
     * @return the exception to throw
     */
    public static IllegalArgumentException input(String message) {
        return new Input.CommandException(message);
    }

    /**
     * A state the user can change (nothing attached, a service not running).
     *
     * @param message the whole message, code included
     * @return the exception to throw
     */
    public static IllegalStateException state(String message) {
        return new State.CommandException(message);
    }

    /** Holds the {@link SCardException} user error (the simple name must be {@code CommandException}). */
    public static final class Card {
        private Card() {
        }

        /** A user error with the contract's code; Karaf logs it at DEBUG. */
        public static final class CommandException extends SCardException {
            private static final long serialVersionUID = 1L;

            CommandException(HResult code, String detail, int remainingTries, Throwable cause) {
                super(code, detail, remainingTries, cause);
            }

            /**
             * What Karaf's console prints for this error.
             *
             * @return {@code Error executing command: <message>}
             */
            public String getNiceHelp() {
                return KARAF_PREFIX + getMessage();
            }
        }
    }

    /** Holds the {@link IllegalArgumentException} user error (the simple name must be {@code CommandException}). */
    public static final class Input {
        private Input() {
        }

        /** Bad input; Karaf logs it at DEBUG. */
        public static final class CommandException extends IllegalArgumentException {
            private static final long serialVersionUID = 1L;

            CommandException(String message) {
                super(message);
            }

            /**
             * What Karaf's console prints for this error.
             *
             * @return {@code Error executing command: <message>}
             */
            public String getNiceHelp() {
                return KARAF_PREFIX + getMessage();
            }
        }
    }

    /** Holds the {@link IllegalStateException} user error (the simple name must be {@code CommandException}). */
    public static final class State {
        private State() {
        }

        /** A state the user can change; Karaf logs it at DEBUG. */
        public static final class CommandException extends IllegalStateException {
            private static final long serialVersionUID = 1L;

            CommandException(String message) {
                super(message);
            }

            /**
             * What Karaf's console prints for this error.
             *
             * @return {@code Error executing command: <message>}
             */
            public String getNiceHelp() {
                return KARAF_PREFIX + getMessage();
            }
        }
    }
}
