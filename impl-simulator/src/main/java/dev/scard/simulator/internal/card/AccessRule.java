package dev.scard.simulator.internal.card;

import java.util.Locale;

/**
 * One access condition: {@code always}, {@code never}, {@code pin:XX} (PIN reference XX verified) or {@code auth:XX}
 * (EXTERNAL AUTHENTICATE with key reference XX done), XX being two hex digits.
 *
 * <p>In the FCP's proprietary security template ({@code A1}) a condition is encoded as {@code 00} (always),
 * {@code FF} (never), {@code 01 XX} (PIN XX) or {@code 02 XX} (key XX); see {@link Fcp}.
 */
record AccessRule(Kind kind, int ref) {

    /** The kinds of condition. */
    enum Kind {
        ALWAYS, NEVER, PIN, AUTH
    }

    static final AccessRule ALWAYS = new AccessRule(Kind.ALWAYS, 0);
    static final AccessRule NEVER = new AccessRule(Kind.NEVER, 0);

    /** Whether {@code ref} is a valid PIN or key reference: b7-b6 zero, b5-b1 not zero (b8: global/local). */
    static boolean validReference(int ref) {
        return ref >= 0 && ref <= 0xFF && (ref & 0x60) == 0 && (ref & 0x1F) != 0;
    }

    /** The condition's encoding in the FCP's {@code A1} template. */
    byte[] encode() {
        return switch (kind) {
            case ALWAYS -> new byte[] {0x00};
            case NEVER -> new byte[] {(byte) 0xFF};
            case PIN -> new byte[] {0x01, (byte) ref};
            case AUTH -> new byte[] {0x02, (byte) ref};
        };
    }

    /**
     * Decodes an {@code A1} condition value.
     *
     * @throws IsoException {@code 6A80} for anything but the four encodings above with a valid reference
     */
    static AccessRule decode(byte[] bytes, int offset, int length) throws IsoException {
        if (length == 1 && bytes[offset] == 0x00) {
            return ALWAYS;
        }
        if (length == 1 && bytes[offset] == (byte) 0xFF) {
            return NEVER;
        }
        if (length == 2 && validReference(bytes[offset + 1] & 0xFF)) {
            int ref = bytes[offset + 1] & 0xFF;
            if (bytes[offset] == 0x01) {
                return new AccessRule(Kind.PIN, ref);
            }
            if (bytes[offset] == 0x02) {
                return new AccessRule(Kind.AUTH, ref);
            }
        }
        throw new IsoException(Sw.WRONG_DATA);
    }

    /** Parses the profile form ({@code always}, {@code never}, {@code pin:81}, {@code auth:01}); null if invalid. */
    static AccessRule parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("always")) {
            return ALWAYS;
        }
        if (t.equals("never")) {
            return NEVER;
        }
        Kind kind = t.startsWith("pin:") ? Kind.PIN : t.startsWith("auth:") ? Kind.AUTH : null;
        if (kind == null) {
            return null;
        }
        String hex = t.substring(t.indexOf(':') + 1).trim();
        if (hex.length() != 2 || Character.digit(hex.charAt(0), 16) < 0 || Character.digit(hex.charAt(1), 16) < 0) {
            return null;
        }
        int ref = Integer.parseInt(hex, 16);
        return validReference(ref) ? new AccessRule(kind, ref) : null;
    }

    /** The profile form. */
    @Override
    public String toString() {
        return switch (kind) {
            case ALWAYS -> "always";
            case NEVER -> "never";
            case PIN -> String.format("pin:%02X", ref);
            case AUTH -> String.format("auth:%02X", ref);
        };
    }
}
