package dev.scard.console;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.ExecutionException;

import org.apache.felix.gogo.runtime.EOFError;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/**
 * How the console shows what a command returned or threw: the same in every mode.
 */
final class Results {

    private Results() {
    }

    /**
     * The text to print for a command's return value.
     *
     * @param session the session that ran the command, whose converters format the value
     * @param result the value the command returned
     * @return the text (a {@link CharSequence} as it is, anything else through
     *         {@code session.format(result, Converter.INSPECT)}), or {@code null} when there is nothing to
     *         print: a {@code null} result or an empty text
     */
    static String format(CommandSession session, Object result) {
        if (result == null) {
            return null;
        }
        String text;
        if (result instanceof CharSequence chars) {
            text = chars.toString();
        } else {
            CharSequence formatted;
            try {
                formatted = session.format(result, Converter.INSPECT);
            } catch (RuntimeException e) {
                formatted = null;
            }
            text = formatted != null ? formatted.toString() : String.valueOf(result);
        }
        return text.isEmpty() ? null : text;
    }

    /**
     * The one line to print for a failed command: {@code Error: <message>}, never a stack trace.
     *
     * @param failure what the command (or Gogo while parsing or looking it up) threw
     * @return the line, without a line terminator
     */
    static String errorLine(Throwable failure) {
        Throwable cause = unwrap(failure);
        String message = cause.getMessage();
        if (cause instanceof InterruptedException || message == null && isCancellation(cause)) {
            return "Error: interrupted";
        }
        if (message == null || message.isBlank()) {
            message = cause.getClass().getSimpleName();
        }
        return "Error: " + message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * Whether Gogo rejected the program only because it ends too early (an open quote, closure or bracket),
     * so that reading another line may complete it.
     *
     * @param failure what Gogo's parser or {@link CommandSession#execute(CharSequence)} threw
     * @return {@code true} for Gogo's EOF parse error
     */
    static boolean isIncompleteInput(Throwable failure) {
        return failure instanceof EOFError;
    }

    private static boolean isCancellation(Throwable t) {
        return t instanceof java.util.concurrent.CancellationException;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; depth < 10; depth++) {
            Throwable cause = t.getCause();
            boolean wrapper = t instanceof InvocationTargetException
                || t instanceof UndeclaredThrowableException
                || t instanceof ExecutionException;
            if (!wrapper || cause == null) {
                break;
            }
            t = cause;
        }
        return t;
    }
}
