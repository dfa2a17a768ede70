package dev.scard.trace;

import java.io.IOException;

/**
 * A trace file that cannot be read: bad JSON, a field missing, unknown or out of range, or a line of an imported log
 * that is not what its format says. The message starts with where the problem is, never with a value from the file
 * (a command may hold a PIN): a JSON path such as {@code $.entries[3].command: not hexadecimal} for the
 * {@value TraceHeader#FORMAT} JSON ({@link #jsonPath()}), or {@code line 12: ...} for an imported log
 * ({@link #line()}).
 */
public final class TraceFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The JSON path of the problem, or null. */
    private final String jsonPath;
    /** The line of the problem, or 0. */
    private final int line;

    private TraceFormatException(String message, String jsonPath, int line) {
        super(message);
        this.jsonPath = jsonPath;
        this.line = line;
    }

    /**
     * A problem at a place in a JSON trace.
     *
     * @param jsonPath the path, such as {@code $.entries[3].command} ({@code $} for the whole document)
     * @param problem what is wrong, such as {@code not hexadecimal}
     */
    public static TraceFormatException atPath(String jsonPath, String problem) {
        return new TraceFormatException(jsonPath + ": " + problem, jsonPath, 0);
    }

    /**
     * A problem on a line of an imported log.
     *
     * @param line the line, counted from 1
     * @param problem what is wrong
     */
    public static TraceFormatException atLine(int line, String problem) {
        return new TraceFormatException("line " + line + ": " + problem, null, line);
    }

    /** The JSON path of the problem, such as {@code $.entries[3].command}; null for an imported log. */
    public String jsonPath() {
        return jsonPath;
    }

    /** The line of the problem in an imported log (from 1), or 0 for a JSON trace. */
    public int line() {
        return line;
    }
}
