package dev.scard.recorder.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.util.HexFormat;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.scard.api.trace.CardTraceEvent;

/**
 * Writes the {@code scard-trace/1} format with Jackson's streaming generator: the header fields, then one object
 * per entry in {@code entries} as it comes (hex upper case, times in milliseconds with up to three decimals).
 */
final class JsonTraceSink implements TraceSink {

    /** The format's name, the value of its {@code format} field. */
    static final String FORMAT = "scard-trace/1";

    private static final JsonFactory JSON = new JsonFactory();
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final JsonGenerator json;

    /** Writes to {@code out}, which it closes at the end. */
    JsonTraceSink(OutputStream out) throws IOException {
        this.json = JSON.createGenerator(out, JsonEncoding.UTF8);
        json.useDefaultPrettyPrinter();
    }

    @Override
    public void begin(Header header) throws IOException {
        json.writeStartObject();
        json.writeStringField("format", FORMAT);
        json.writeStringField("reader", header.reader());
        json.writeStringField("backend", header.backend());
        json.writeStringField("recordedAt", header.recordedAt().toString());
        json.writeStringField("atr", header.atrHex());
        if (header.protocol() != null) {
            json.writeStringField("protocol", header.protocol().name());
        }
        json.writeArrayFieldStart("entries");
    }

    @Override
    public void entry(CardTraceEvent event, double millis) throws IOException {
        String type = switch (event.type()) {
            case APDU -> "apdu";
            case RESET -> "reset";
            case RECONNECT -> "reconnect";
            case LOCK -> "lock";
            case UNLOCK -> "unlock";
            case REMOVED -> "removed";
            case INSERTED -> "inserted";
            case ATTACHED, DETACHED -> null; // the file's start and end, not entries
        };
        if (type == null) {
            return;
        }
        json.writeStartObject();
        json.writeFieldName("t");
        json.writeNumber(BigDecimal.valueOf(Math.round(millis * 1000)).movePointLeft(3).stripTrailingZeros()
                .toPlainString());
        json.writeStringField("type", type);
        switch (event.type()) {
            case APDU -> {
                json.writeStringField("command", HEX.formatHex(event.command()));
                if (event.withheld() > 0) {
                    json.writeNumberField("redacted", event.withheld());
                }
                json.writeStringField("response", HEX.formatHex(event.response()));
                if (event.byCore()) {
                    json.writeStringField("by", "core");
                }
            }
            case RESET, UNLOCK -> json.writeStringField("disposition",
                    event.disposition() == null ? "RESET" : event.disposition().name());
            case RECONNECT -> {
                json.writeStringField("disposition", event.disposition().name());
                if (event.shareMode() != null) {
                    json.writeStringField("shareMode", event.shareMode().name());
                }
                if (event.protocol() != null) {
                    json.writeStringField("protocol", event.protocol().name());
                }
                json.writeStringField("atr", event.atrHex());
            }
            case INSERTED -> json.writeStringField("atr", event.atrHex());
            default -> {
                // lock, removed: the type says it all
            }
        }
        json.writeEndObject();
    }

    @Override
    public void close() throws IOException {
        try {
            if (json.getOutputContext().inArray()) {
                json.writeEndArray();
            }
            if (json.getOutputContext().inObject()) {
                json.writeEndObject();
            }
            json.writeRaw('\n');
        } finally {
            json.close();
        }
    }
}
