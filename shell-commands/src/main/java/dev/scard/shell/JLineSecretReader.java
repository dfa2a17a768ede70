package dev.scard.shell;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Arrays;

import org.jline.reader.LineReader;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.utils.NonBlockingReader;

/**
 * The jline part of {@link SecretPrompt}, in a class of its own: this bundle imports {@code org.jline} optionally,
 * and only this class is loaded when a session has a jline reader, so a framework without jline never needs it.
 *
 * <p>The code is read key by key from the terminal in raw mode into a {@code char[]}, not with a line reader:
 * jline's {@code LineReader.readLine} answers a String (and keeps the line in its buffers), which could not be
 * cleared. Nothing typed is echoed; Backspace deletes the last character, Ctrl-U the whole entry, Enter ends it;
 * Ctrl-C (or an interrupt of the command) cancels it, and so does Ctrl-D or the end of input on an empty entry.
 * Escape sequences (arrow and function keys) are ignored. Every buffer that held typed characters is cleared.
 */
final class JLineSecretReader {

    /** How long one wait for a key lasts before the thread's interrupt status is looked at again. */
    private static final long POLL_MILLIS = 100;
    /** How long the rest of an escape sequence may take to arrive. */
    private static final long ESCAPE_MILLIS = 50;
    private static final int CTRL_C = 3;
    private static final int CTRL_D = 4;
    private static final int BACKSPACE = 8;
    private static final int CTRL_U = 21;
    private static final int ESC = 27;
    private static final int DELETE = 127;

    private JLineSecretReader() {
    }

    /**
     * Whether the reader's terminal cannot turn echo off: a jline dumb terminal, known by its type (so also through
     * a wrapper of another class), or one without a pseudo-terminal ({@link SecretPrompt#canHideInput}).
     */
    static boolean isDumb(Object lineReader) {
        Terminal terminal = ((LineReader) lineReader).getTerminal();
        return terminal == null || !SecretPrompt.canHideInput(terminal);
    }

    /**
     * Reads a code on the terminal of the console's reader, without echo, as the class comment describes.
     *
     * @return the characters typed; the caller clears the array
     * @throws dev.scard.api.SCardException {@code SCARD_W_CANCELLED_BY_USER} on Ctrl-C, an interrupt, or Ctrl-D
     *         or the end of input on an empty entry
     * @throws IllegalArgumentException when the terminal cannot be read
     */
    static char[] read(Object lineReader, String prompt) {
        Terminal terminal = ((LineReader) lineReader).getTerminal();
        Attributes saved = terminal.enterRawMode();
        char[] typed = new char[32];
        int n = 0;
        try {
            terminal.writer().print(prompt);
            terminal.flush();
            NonBlockingReader keys = terminal.reader();
            for (;;) {
                int c = keys.read(POLL_MILLIS);
                if (c == NonBlockingReader.READ_EXPIRED) {
                    if (Thread.currentThread().isInterrupted()) { // Ctrl-C while a command runs interrupts it
                        throw CardErrors.cancelled("code entry cancelled");
                    }
                    continue;
                }
                if (c < 0 || (c == CTRL_D && n == 0)) {
                    throw CardErrors.cancelled("no code entered (end of input)");
                }
                if (c == '\r' || c == '\n') {
                    return Arrays.copyOf(typed, n);
                }
                if (c == CTRL_C) {
                    throw CardErrors.cancelled("code entry cancelled");
                }
                if (c == BACKSPACE || c == DELETE) {
                    if (n > 0) {
                        typed[--n] = 0;
                    }
                } else if (c == CTRL_U) {
                    Arrays.fill(typed, 0, n, '\0');
                    n = 0;
                } else if (c == ESC) {
                    skipEscapeSequence(keys);
                } else if (c >= 0x20) {
                    if (n == typed.length) {
                        char[] larger = Arrays.copyOf(typed, n * 2);
                        Arrays.fill(typed, '\0');
                        typed = larger;
                    }
                    typed[n++] = (char) c;
                }
            }
        } catch (InterruptedIOException e) {
            Thread.currentThread().interrupt();
            throw CardErrors.cancelled("code entry cancelled");
        } catch (IOException e) {
            if (e.getClass().getSimpleName().equals("ClosedException")) {
                // jline's org.jline.utils.ClosedException (not in every jline 3): the terminal's input has ended
                throw CardErrors.cancelled("no code entered (end of input)");
            }
            throw ShellFailures.badInput("cannot read the code from the terminal (" + e.getClass().getSimpleName()
                    + ")");
        } finally {
            Arrays.fill(typed, '\0');
            terminal.setAttributes(saved);
            terminal.writer().println();
            terminal.flush();
        }
    }

    /** Drops the rest of an escape sequence: {@code ESC [ ... final} or {@code ESC O x}. */
    private static void skipEscapeSequence(NonBlockingReader keys) throws IOException {
        int c = keys.read(ESCAPE_MILLIS);
        if (c == '[') {
            do {
                c = keys.read(ESCAPE_MILLIS);
            } while (c >= 0x20 && c < 0x40);
        } else if (c == 'O') {
            keys.read(ESCAPE_MILLIS);
        }
    }
}
