package dev.scard.simulator.internal.card;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * A card profile that cannot be read or is not valid: always {@link HResult#E_INVALIDARG}, with a message that names
 * the profile's source, the place in the JSON document and what is wrong, e.g.
 * {@code "card profile my-card.json: files[2].size: must be 1..65535 [E_INVALIDARG 0x80070057]"}.
 *
 * <p>The message never repeats a value from the profile (a PIN, a PUK or a key could be the bad value); it says what
 * was expected and, for malformed hexadecimal, the position of the bad character.
 */
public final class CardProfileException extends SCardException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String jsonPath;
    private final String problem;

    /**
     * @param source where the profile came from (a file name, or a label such as {@code "sample-card.json"})
     * @param jsonPath where in the document the problem is, such as {@code "files[2].size"}; empty for the document
     *        as a whole (unreadable file, invalid JSON syntax)
     * @param problem what is wrong
     */
    public CardProfileException(String source, String jsonPath, String problem) {
        this(source, jsonPath, problem, null);
    }

    /**
     * As {@link #CardProfileException(String, String, String)}, with the underlying failure (an I/O error).
     */
    public CardProfileException(String source, String jsonPath, String problem, Throwable cause) {
        super(HResult.E_INVALIDARG, "card profile " + source + ": "
                + (jsonPath == null || jsonPath.isEmpty() ? "" : jsonPath + ": ") + problem, cause);
        this.source = source;
        this.jsonPath = jsonPath == null ? "" : jsonPath;
        this.problem = problem;
    }

    /** Where the profile came from: a file path, or a label for profiles parsed from a string. */
    public String source() {
        return source;
    }

    /**
     * The place in the JSON document, as field names and array indexes ({@code "files[4].files[1].access.read"});
     * empty when the document as a whole is at fault.
     */
    public String jsonPath() {
        return jsonPath;
    }

    /** What is wrong, without the source and path. */
    public String problem() {
        return problem;
    }
}
