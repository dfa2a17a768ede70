package dev.scard.simulator.internal.card;

import java.util.Locale;

/**
 * Card behaviours found in the field that a profile may turn on (its {@code "quirks"} object, documented with the
 * real-world reason for each in {@code impl-simulator/PROFILES.md}). {@link #NONE} is the card as ISO/IEC 7816-4
 * describes it, which is what a profile without {@code "quirks"} gives (the sample card among them).
 *
 * @param listFiles whether the card serves LIST FILES ({@code 80 16}); without it {@code 6D00}
 * @param emptyVerify what VERIFY without data does
 * @param triesInStatusWord whether a wrong PIN or PUK (and VERIFY's status) says the tries left in {@code 63Cx};
 *        without it {@code 6300}
 * @param strictT0 whether the card answers as a T=0 card does at the transport level: a case-4 command's data comes
 *        only through {@code 61xx} and GET RESPONSE, a case-2 command whose Le is not the exact length gets
 *        {@code 6Cxx} (needs protocol T=0, implies no extended length)
 * @param extendedLength whether the card takes extended APDUs; without them {@code 6700}
 * @param deleteCurrentFile whether DELETE FILE without data deletes the current file; without it {@code 6A86}
 * @param createRecordFiles whether CREATE FILE makes record EFs; without it {@code 6A81}
 * @param selectAnswer what SELECT with P2 {@code 00}/{@code 04} answers
 * @param pinsAfterReset what becomes of verified PINs on a reset
 */
record Quirks(boolean listFiles, EmptyVerify emptyVerify, boolean triesInStatusWord, boolean strictT0,
        boolean extendedLength, boolean deleteCurrentFile, boolean createRecordFiles, SelectAnswer selectAnswer,
        PinsAfterReset pinsAfterReset) {

    /** The card as ISO/IEC 7816-4 describes it: no field behaviour. */
    static final Quirks NONE = new Quirks(true, EmptyVerify.STATUS, true, false, true, true, true, SelectAnswer.FCP,
            PinsAfterReset.LOST);

    /** What VERIFY without data does. */
    enum EmptyVerify {
        /** As ISO/IEC 7816-4 says: {@code 9000} verified, {@code 63Cx} not, {@code 6983} blocked; nothing counted. */
        STATUS,
        /** Counted as a wrong presentation: a try is lost, the PIN is no longer verified, {@code 6300}. */
        COUNTS,
        /** Refused as a VERIFY without its data: {@code 6700}, nothing counted. */
        REFUSED
    }

    /** What SELECT answers when asked for the FCP or FCI (P2 {@code 00} or {@code 04}). */
    enum SelectAnswer {
        /** The FCP template {@code 62}. */
        FCP,
        /** The same objects in an FCI template {@code 6F}. */
        FCI,
        /** Nothing: the status word alone, as if P2 were {@code 0C}. */
        NONE
    }

    /** What becomes of verified PINs on a reset. */
    enum PinsAfterReset {
        /** Forgotten, as ISO/IEC 7816-4 says of the security status. */
        LOST,
        /** Global PINs (those of the MF) stay verified; local ones end as the MF becomes the current DF. */
        KEPT
    }

    /** The profile's name of an enum value: {@code COUNTS} is {@code "counts"}. */
    static String jsonName(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The enum value a profile names, or null. */
    static <E extends Enum<E>> E byJsonName(Class<E> type, String name) {
        for (E value : type.getEnumConstants()) {
            if (jsonName(value).equals(name)) {
                return value;
            }
        }
        return null;
    }
}
