package dev.scard.simulator.internal.card;

import java.util.Locale;

/**
 * One access condition: {@code always}, {@code never}, {@code pin:XX} (PIN reference XX verified) or {@code auth:XX}
 * (EXTERNAL AUTHENTICATE with key reference XX done), XX being two hex digits.
 *
 * <p>In the FCP that SELECT returns a condition is an ISO/IEC 7816-4 security condition data object of the expanded
 * format: {@code 90 00} (always), {@code 97 00} (never), or an authentication control reference template
 * {@code A4 06 83 01 XX 95 01 UQ} naming the reference XX, with the usage qualifier {@code 08} (user
 * authentication, knowledge-based: PIN XX) or {@code 80} (external authentication: key XX). In the proprietary
 * template ({@code A1}) that CREATE FILE also takes it is {@code 00} (always), {@code FF} (never), {@code 01 XX}
 * (PIN XX) or {@code 02 XX} (key XX); see {@link Fcp}.
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

    /** Usage qualifier of an authentication template: user authentication, knowledge-based (a PIN). */
    static final int QUALIFIER_PIN = 0x08;
    /** Usage qualifier of an authentication template: external authentication (a key). */
    static final int QUALIFIER_EXTERNAL = 0x80;

    /** The condition as a security condition data object of ISO/IEC 7816-4's expanded format (see above). */
    byte[] encodeExpanded() {
        return switch (kind) {
            case ALWAYS -> new byte[] {(byte) 0x90, 0x00};
            case NEVER -> new byte[] {(byte) 0x97, 0x00};
            case PIN, AUTH -> new byte[] {(byte) 0xA4, 0x06, (byte) 0x83, 0x01, (byte) ref, (byte) 0x95, 0x01,
                (byte) (kind == Kind.PIN ? QUALIFIER_PIN : QUALIFIER_EXTERNAL)};
        };
    }

    /**
     * Decodes a security condition data object of the expanded format, as {@link #encodeExpanded()} writes it
     * (tag and value; the objects inside {@code A4} in the order {@code 83}, {@code 95}).
     *
     * @throws IsoException {@code 6A80} for anything else
     */
    static AccessRule decodeExpanded(int tag, byte[] bytes, int offset, int length) throws IsoException {
        if (tag == 0x90 && length == 0) {
            return ALWAYS;
        }
        if (tag == 0x97 && length == 0) {
            return NEVER;
        }
        if (tag == 0xA4 && length == 6 && bytes[offset] == (byte) 0x83 && bytes[offset + 1] == 0x01
                && bytes[offset + 3] == (byte) 0x95 && bytes[offset + 4] == 0x01
                && validReference(bytes[offset + 2] & 0xFF)) {
            int qualifier = bytes[offset + 5] & 0xFF;
            if (qualifier == QUALIFIER_PIN) {
                return new AccessRule(Kind.PIN, bytes[offset + 2] & 0xFF);
            }
            if (qualifier == QUALIFIER_EXTERNAL) {
                return new AccessRule(Kind.AUTH, bytes[offset + 2] & 0xFF);
            }
        }
        throw new IsoException(Sw.WRONG_DATA);
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
