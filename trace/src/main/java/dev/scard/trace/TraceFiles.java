package dev.scard.trace;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;

/**
 * Tells trace files apart and reads any of them: a {@value TraceHeader#FORMAT} JSON trace ({@link TraceReader}), an
 * OpenSC debug log ({@link OpenScLogImporter}), an apdu4j / GlobalPlatformPro log ({@link Apdu4jLogImporter}) or a
 * pcscd {@code --apdu} log ({@link PcscdLogImporter}).
 * The simulator uses it to decide whether a file it is given as a card is a trace or a card profile.
 */
public final class TraceFiles {

    /** What a file is. */
    public enum Kind {
        /** A JSON object with a top-level {@code format} field: a trace ({@link TraceReader} checks the value). */
        SCARD_TRACE,
        /** Text with an OpenSC {@code Outgoing APDU} block. */
        OPENSC_LOG,
        /** Text with an apdu4j {@code A>>} line or {@code # SCardConnect(} line. */
        APDU4J_LOG,
        /** Text with a pcscd {@code --apdu} line: {@code 00001234 APDU: ...}. */
        PCSCD_LOG,
        /** Anything else: other JSON (such as a card profile) or text of no known format. */
        OTHER
    }

    /** How much of a file {@link #kind} looks at: 256 KiB. */
    static final int SNIFF_BYTES = 256 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .build();
    private static final Pattern OPENSC = Pattern.compile("(?m)^\\s*Outgoing APDU(?: data \\[| \\()");
    private static final Pattern APDU4J = Pattern.compile("(?m)^(?:[AB](?:#\\d+)?>> |# SCardConnect\\(\")");
    /** pcscd's lines: microseconds (8 digits), a space, the message; each part may be in terminal colours. */
    private static final Pattern PCSCD = Pattern.compile(
            "(?m)^(?:\u001B\\[[0-9;]*m)*\\d{8}(?:\u001B\\[[0-9;]*m)* (?:\u001B\\[[0-9;]*m)*APDU: ");

    private TraceFiles() {
    }

    /**
     * What a file is, from its first {@value #SNIFF_BYTES} bytes: a JSON object whose top-level fields include
     * {@code format} (before any syntax error) is a trace; text with OpenSC's, apdu4j's or pcscd's APDU lines is that
     * log.
     *
     * @throws IOException when the file cannot be read
     */
    public static Kind kind(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return kind(in.readNBytes(SNIFF_BYTES));
        }
    }

    /**
     * What a file's content is (only its first {@value #SNIFF_BYTES} bytes are looked at), as {@link #kind(Path)}.
     */
    public static Kind kind(byte[] content) {
        byte[] head = content.length <= SNIFF_BYTES ? content : Arrays.copyOf(content, SNIFF_BYTES);
        String text = new String(head, StandardCharsets.UTF_8);
        if (text.stripLeading().startsWith("{")) {
            return hasFormatField(head) ? Kind.SCARD_TRACE : Kind.OTHER;
        }
        if (OPENSC.matcher(text).find()) {
            return Kind.OPENSC_LOG;
        }
        if (APDU4J.matcher(text).find()) {
            return Kind.APDU4J_LOG;
        }
        if (PCSCD.matcher(text).find()) {
            return Kind.PCSCD_LOG;
        }
        return Kind.OTHER;
    }

    private static boolean hasFormatField(byte[] head) {
        try (JsonParser parser = JSON.createParser(head)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                if (parser.currentName().equals("format")) {
                    return true;
                }
                parser.nextToken();
                parser.skipChildren();
            }
            return false;
        } catch (IOException cutOrBroken) {
            return false;
        }
    }

    /**
     * Reads a trace file of any kind {@link #kind} knows, with the {@linkplain TraceReader#DEFAULT_MAX_BYTES default
     * limit}. An imported log's start time is the file's modification time.
     *
     * @throws TraceFormatException when the file is of no known kind, longer than the limit, or not valid for its
     *         kind (the message names the JSON path or the line)
     * @throws IOException when the file cannot be read
     */
    public static Trace read(Path file) throws IOException {
        if (Files.size(file) > TraceReader.DEFAULT_MAX_BYTES) {
            throw tooLong();
        }
        return read(Files.readAllBytes(file), Files.getLastModifiedTime(file).toInstant());
    }

    /**
     * Reads a trace of any kind {@link #kind} knows from a file's content.
     *
     * @param content the file's bytes
     * @param recordedAt the start time of an imported log (a {@value TraceHeader#FORMAT} trace has its own)
     * @throws TraceFormatException when the content is of no known kind, longer than
     *         {@link TraceReader#DEFAULT_MAX_BYTES}, or not valid for its kind
     */
    public static Trace read(byte[] content, Instant recordedAt) throws TraceFormatException {
        if (content.length > TraceReader.DEFAULT_MAX_BYTES) {
            throw tooLong();
        }
        Kind kind = kind(content);
        try {
            switch (kind) {
                case SCARD_TRACE:
                    return TraceReader.read(new ByteArrayInputStream(content), TraceReader.DEFAULT_MAX_BYTES);
                case OPENSC_LOG:
                    return OpenScLogImporter.read(text(content), recordedAt);
                case APDU4J_LOG:
                    return Apdu4jLogImporter.read(text(content), recordedAt);
                case PCSCD_LOG:
                    return PcscdLogImporter.read(text(content), recordedAt);
                default:
                    throw TraceFormatException.atLine(1, "not a trace: neither " + TraceHeader.FORMAT
                            + " JSON, nor an OpenSC debug log, nor an apdu4j or GlobalPlatformPro log, nor a pcscd"
                            + " --apdu log");
            }
        } catch (TraceFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading from memory failed", e); // a ByteArrayInputStream does not fail
        }
    }

    /** A log's text; bytes that are not UTF-8 (a reader's or program's name) become U+FFFD. */
    private static Reader text(byte[] content) {
        return new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    private static TraceFormatException tooLong() {
        return TraceFormatException.atPath("$", "the trace is longer than the limit of "
                + TraceReader.DEFAULT_MAX_BYTES + " bytes");
    }
}
