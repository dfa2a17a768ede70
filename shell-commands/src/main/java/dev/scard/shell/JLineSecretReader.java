package dev.scard.shell;

import java.util.List;

import org.jline.reader.CompletingParsedLine;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;

/**
 * The jline part of {@link SecretPrompt}, in a class of its own: this bundle imports {@code org.jline} optionally,
 * and only this class is loaded when a session has a jline reader, so a framework without jline never needs it.
 */
final class JLineSecretReader {

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
     * Reads a line on the terminal of the console's reader with a reader of its own: nothing is echoed (null
     * mask), the line goes to no history, is not completed, and {@code !} and quotes in it mean nothing.
     */
    static String read(Object lineReader, String prompt) {
        Terminal terminal = ((LineReader) lineReader).getTerminal();
        LineReader reader = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("scard")
                .parser((line, cursor, context) -> new WholeLine(line, cursor))
                .variable(LineReader.DISABLE_HISTORY, Boolean.TRUE)
                .variable(LineReader.DISABLE_COMPLETION, Boolean.TRUE)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                .build();
        try {
            return reader.readLine(prompt, Character.valueOf(SecretPrompt.NO_ECHO));
        } catch (UserInterruptException e) {
            throw CardErrors.cancelled("code entry cancelled");
        } catch (EndOfFileException e) {
            throw CardErrors.cancelled("no code entered (end of input)");
        }
    }

    /**
     * The whole line as one word: nothing in a PIN is syntax. A {@link CompletingParsedLine}, or jline logs a
     * warning for every reader built with this parser.
     */
    private record WholeLine(String line, int cursor) implements CompletingParsedLine {

        @Override
        public CharSequence escape(CharSequence candidate, boolean complete) {
            return candidate;
        }

        @Override
        public int rawWordCursor() {
            return cursor;
        }

        @Override
        public int rawWordLength() {
            return line.length();
        }

        @Override
        public String word() {
            return line;
        }

        @Override
        public int wordCursor() {
            return cursor;
        }

        @Override
        public int wordIndex() {
            return 0;
        }

        @Override
        public List<String> words() {
            return List.of(line);
        }
    }
}
