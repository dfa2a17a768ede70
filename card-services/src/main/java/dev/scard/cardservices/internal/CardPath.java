package dev.scard.cardservices.internal;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import dev.scard.api.HResult;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;

/**
 * The path syntax of {@link dev.scard.api.ISCardFileAccess} (docs/decisions.md, "Where the contract is silent"):
 * <ul>
 * <li>file identifiers: four hex digits each, separated by {@code /}; absolute when the first is {@code 3F00}
 * (the MF), relative to the current directory otherwise; {@code ..} steps up to the parent. {@code 3F00} may only
 * start a path; {@code 3FFF} and {@code FFFF} are reserved and rejected;</li>
 * <li>{@code aid:<hex>}: a DF by name (1 to 16 bytes); with {@link RefType#BY_NAME} the prefix may be left out;</li>
 * <li>{@code sfi:<hex>}: an EF of the current directory by short identifier (1 to 30, {@code 01} to {@code 1E});
 * with {@link RefType#BY_SHORT_ID} the prefix may be left out.</li>
 * </ul>
 * Hex digits may be either case; surrounding white space is ignored, inner white space is not allowed.
 * {@link RefType#BY_ID} takes only file-identifier paths, {@link RefType#BY_ANY} any form. Anything else fails
 * with {@code E_INVALIDARG} and a message that quotes the path and says what is wrong.
 */
final class CardPath {

    /** The MF's file identifier. */
    static final int MF = 0x3F00;
    /** The longest path, in characters, that is looked at. */
    static final int MAX_CHARS = 512;
    /** The deepest absolute path (file identifiers from the MF) accepted. */
    static final int MAX_DEPTH = 32;

    /** What a path names. */
    enum Form {
        /** File identifiers (possibly with {@code ..}). */
        IDS,
        /** A DF name. */
        NAME,
        /** A short EF identifier. */
        SHORT
    }

    /**
     * A parsed path.
     *
     * @param form what it names
     * @param absolute for {@link Form#IDS}: whether it starts at the MF
     * @param steps for {@link Form#IDS}: file identifiers, or -1 for {@code ..}
     * @param name for {@link Form#NAME}: the DF name
     * @param sfi for {@link Form#SHORT}: the short identifier
     * @param text the path as given, for messages
     */
    record Spec(Form form, boolean absolute, List<Integer> steps, byte[] name, int sfi, String text) {
    }

    private CardPath() {
    }

    /** The path quoted for a message: at most 64 characters, control characters escaped. */
    static String quote(String path) {
        StringBuilder text = new StringBuilder("'");
        int shown = Math.min(path.length(), 64);
        for (int i = 0; i < shown; i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && Character.isISOControl(c))) {
                text.append(String.format("\\u%04X", (int) c));
            } else {
                text.append(c);
            }
        }
        if (path.length() > shown) {
            text.append("...");
        }
        return text.append('\'').toString();
    }

    private static SCardException invalid(String path, String why) {
        return new SCardException(HResult.E_INVALIDARG, "path " + quote(path) + " " + why);
    }

    /**
     * Parses a path as {@code refType} says.
     *
     * @throws SCardException {@code E_INVALIDARG} for a null reference type or path, or a malformed path
     */
    static Spec parse(RefType refType, String path) {
        if (refType == null) {
            throw new SCardException(HResult.E_INVALIDARG, "reference type must not be null");
        }
        if (path == null) {
            throw new SCardException(HResult.E_INVALIDARG, "path must not be null");
        }
        if (path.length() > MAX_CHARS) {
            throw invalid(path, "is longer than " + MAX_CHARS + " characters");
        }
        String text = path.strip();
        if (text.isEmpty()) {
            throw invalid(path, "is empty");
        }
        String lower = text.toLowerCase(Locale.ROOT);
        boolean aidPrefix = lower.startsWith("aid:");
        boolean sfiPrefix = lower.startsWith("sfi:");
        switch (refType) {
            case BY_NAME:
                if (sfiPrefix) {
                    throw invalid(path, "is a short identifier, but the reference type is BY_NAME");
                }
                return name(path, aidPrefix ? text.substring(4) : text);
            case BY_SHORT_ID:
                if (aidPrefix) {
                    throw invalid(path, "is a DF name, but the reference type is BY_SHORT_ID");
                }
                return shortId(path, sfiPrefix ? text.substring(4) : text);
            case BY_ID:
                if (aidPrefix || sfiPrefix) {
                    throw invalid(path, "is not made of file identifiers, as reference type BY_ID needs"
                            + " (e.g. 3F00/5015); use BY_ANY or " + (aidPrefix ? "BY_NAME" : "BY_SHORT_ID"));
                }
                return ids(path, text);
            default:
                if (aidPrefix) {
                    return name(path, text.substring(4));
                }
                if (sfiPrefix) {
                    return shortId(path, text.substring(4));
                }
                return ids(path, text);
        }
    }

    private static Spec name(String path, String hex) {
        byte[] name = hex(path, hex, "DF name");
        if (name.length < 1 || name.length > 16) {
            throw invalid(path, "has a DF name of " + name.length + " bytes; a DF name has 1 to 16");
        }
        return new Spec(Form.NAME, false, List.of(), name, 0, path);
    }

    private static Spec shortId(String path, String hex) {
        if (hex.isEmpty() || hex.length() > 2) {
            throw invalid(path, "needs a short identifier of one or two hex digits (01 to 1E)");
        }
        byte[] value = hex(path, hex.length() == 1 ? "0" + hex : hex, "short identifier");
        int sfi = value[0] & 0xFF;
        if (sfi < 1 || sfi > 30) {
            throw invalid(path, "has short identifier " + String.format("%02X", sfi) + "; it must be 01 to 1E");
        }
        return new Spec(Form.SHORT, false, List.of(), null, sfi, path);
    }

    private static byte[] hex(String path, String hex, String what) {
        if (hex.isEmpty()) {
            throw invalid(path, "has an empty " + what);
        }
        if ((hex.length() & 1) != 0) {
            throw invalid(path, "has an odd number of hex digits in its " + what);
        }
        for (int i = 0; i < hex.length(); i++) {
            if (!HexFormat.isHexDigit(hex.charAt(i))) {
                throw invalid(path, "has '" + printable(hex.charAt(i)) + "' in its " + what + ", which is not a hex"
                        + " digit");
            }
        }
        return HexFormat.of().parseHex(hex);
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7F || Character.isISOControl(c) ? String.format("\\u%04X", (int) c)
                : String.valueOf(c);
    }

    private static Spec ids(String path, String text) {
        if (text.startsWith("/")) {
            throw invalid(path, "starts with '/'; absolute paths start with 3F00 (e.g. 3F00/5015)");
        }
        if (text.endsWith("/")) {
            throw invalid(path, "ends with '/'");
        }
        String[] parts = text.split("/", -1);
        if (parts.length > 2 * MAX_DEPTH) {
            throw invalid(path, "has more than " + 2 * MAX_DEPTH + " components");
        }
        List<Integer> steps = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.equals("..")) {
                steps.add(-1);
                continue;
            }
            if (part.isEmpty()) {
                throw invalid(path, "has an empty component (two '/' in a row)");
            }
            if (part.length() != 4) {
                throw invalid(path, "has component '" + shorten(part) + "'; each component is four hex digits"
                        + " (a file identifier such as 5015) or '..'");
            }
            byte[] fid = hex(path, part, "file identifier");
            int id = ((fid[0] & 0xFF) << 8) | (fid[1] & 0xFF);
            if (id == MF && i > 0) {
                throw invalid(path, "has 3F00 (the MF) after its start; only an absolute path starts with it");
            }
            if (id == 0x3FFF || id == 0xFFFF) {
                throw invalid(path, String.format("has the reserved file identifier %04X", id));
            }
            steps.add(id);
        }
        boolean absolute = steps.get(0) == MF;
        return new Spec(Form.IDS, absolute, List.copyOf(steps), null, 0, path);
    }

    private static String shorten(String part) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(part.length(), 16); i++) {
            text.append(printable(part.charAt(i)));
        }
        return part.length() > 16 ? text + "..." : text.toString();
    }

    /**
     * The absolute file-identifier path (from the MF) that a {@link Form#IDS} spec names from {@code current}.
     *
     * @throws SCardException {@code E_INVALIDARG} when {@code ..} leads above the MF or the path gets deeper than
     *         {@link #MAX_DEPTH}
     */
    static List<Integer> resolve(List<Integer> current, Spec spec) {
        List<Integer> path = new ArrayList<>(spec.absolute() ? List.of() : current);
        for (int step : spec.steps()) {
            if (step < 0) {
                if (path.size() <= 1) {
                    throw invalid(spec.text(), "leads above the MF 3F00 with '..'");
                }
                path.remove(path.size() - 1);
            } else {
                path.add(step);
                if (path.size() > MAX_DEPTH) {
                    throw invalid(spec.text(), "is deeper than " + MAX_DEPTH + " levels");
                }
            }
        }
        return List.copyOf(path);
    }

    /** An absolute path as text: {@code 3F00/5015/4401}. */
    static String format(List<Integer> path) {
        StringBuilder text = new StringBuilder();
        for (int fid : path) {
            if (text.length() > 0) {
                text.append('/');
            }
            text.append(String.format("%04X", fid));
        }
        return text.toString();
    }

    /** The parent of an absolute path of at least two identifiers. */
    static List<Integer> parent(List<Integer> path) {
        return path.subList(0, path.size() - 1);
    }

    /** A path with one more identifier. */
    static List<Integer> child(List<Integer> path, int fid) {
        List<Integer> child = new ArrayList<>(path);
        child.add(fid);
        return List.copyOf(child);
    }
}
