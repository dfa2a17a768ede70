package dev.scard.cardservices.internal;

import java.io.ByteArrayOutputStream;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.StatusWords;

/**
 * The longest code a PIN reference takes, as the card's PKCS#15 application describes it: the {@code maxLength}
 * (or the longer {@code storedLength}, for a caller that pads the PIN itself) of the {@code PinAttributes} in the
 * authentication objects (AODF) that {@code EF.ODF} points to.
 *
 * <p>Read once per attachment view, before the first code is presented over it (see {@link CardChannel}): SELECT
 * of the PKCS#15 application by its AID ({@code A0 00 00 00 63 50 4B 43 53 2D 31 35}); a card that does not
 * select it has no PKCS#15 limits, and its selection is unchanged (a failed SELECT selects nothing). Otherwise
 * {@code EF.ODF} ({@code 5031}) and the AODFs it names are read and the file the card services selected last is
 * selected again (the MF when they do not know it: a card's selection after a reset), so that local PINs still refer
 * to the DF they referred to. A card that answers any of these with an error status word has no limits; a transmission failure
 * (card removed, reset) propagates, as it would for the PIN command itself.
 */
final class PinLengths {

    /** The PKCS#15 application identifier (PKCS#15 v1.1, section 5.7.1). */
    static final byte[] PKCS15_AID = HexFormat.of().parseHex("A000000063504B43532D3135");
    private static final int FID_ODF = 0x5031;
    /** {@code authObjects [8]} in EF.ODF. */
    private static final int ODF_AUTH_OBJECTS = 0xA8;
    /** {@code pin [1]} of an authentication object (its type attributes). */
    private static final int TYPE_ATTRIBUTES = 0xA1;
    private static final int TAG_SEQUENCE = 0x30;
    private static final int TAG_INTEGER = 0x02;
    private static final int TAG_OCTET_STRING = 0x04;
    private static final int TAG_ENUMERATED = 0x0A;
    private static final int TAG_BIT_STRING = 0x03;
    /** {@code pinReference [0]}. */
    private static final int TAG_PIN_REFERENCE = 0x80;
    /** At most this many bytes are read of one file: an AODF is a few hundred bytes. */
    private static final int MAX_FILE = 4096;

    private PinLengths() {
    }

    /**
     * The limits of the card behind {@code card}: PIN reference (the VERIFY P2) to the longest code it takes; empty
     * when the card has no PKCS#15 application or its AODF says nothing. Call with the view's monitor held.
     */
    static Map<Integer, Integer> read(CardChannel card) {
        List<Integer> before = card.lastSelected();
        Apdu.Response app = card.send(CommandApdu.encode(0x00, 0xA4, 0x04, 0x0C, PKCS15_AID, 0));
        if (!app.ok()) {
            card.reselected(before); // a failed SELECT leaves the selection as it was
            return Map.of();
        }
        Map<Integer, Integer> limits = new HashMap<>();
        try {
            byte[] odf = readEf(card, new byte[] {(byte) (FID_ODF >> 8), (byte) FID_ODF}, 0x02);
            if (odf != null) {
                for (BerTlv.DataObject entry : BerTlv.parse(odf)) {
                    if (entry.tag() != ODF_AUTH_OBJECTS) {
                        continue;
                    }
                    byte[] path = pathOf(entry.value(odf));
                    if (path == null) {
                        continue;
                    }
                    byte[] aodf = readEf(card, path, selectP1(path));
                    if (aodf != null) {
                        collect(aodf, limits);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            // malformed DER: the limits found so far stand, the rest are the configured maximum
        } finally {
            reselect(card, before);
        }
        return Collections.unmodifiableMap(limits);
    }

    /** SELECT's P1 for a PKCS#15 path: a child EF, a path from the MF, or a path from the current DF. */
    private static int selectP1(byte[] path) {
        if (path.length == 2) {
            return 0x02;
        }
        return (path[0] & 0xFF) == 0x3F && path[1] == 0 ? 0x08 : 0x09;
    }

    /** The EF's content (at most {@value #MAX_FILE} bytes), or null when the card refuses it. */
    private static byte[] readEf(CardChannel card, byte[] path, int p1) {
        byte[] data = p1 == 0x08 ? java.util.Arrays.copyOfRange(path, 2, path.length) : path;
        if (data.length == 0) {
            return null;
        }
        if (!card.send(CommandApdu.encode(0x00, 0xA4, p1, 0x0C, data, 0)).ok()) {
            return null;
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (content.size() < MAX_FILE) {
            int offset = content.size();
            Apdu.Response part = card.send(CommandApdu.encode(0x00, 0xB0, offset >> 8, offset & 0xFF, null,
                    CommandApdu.MAX_SHORT_NE));
            int sw = part.sw();
            if (sw == StatusWords.OK || sw == 0x6282) {
                byte[] bytes = part.data();
                content.writeBytes(bytes);
                if (sw != StatusWords.OK || bytes.length < CommandApdu.MAX_SHORT_NE) {
                    break;
                }
            } else if (offset > 0) {
                break; // 6B00 or the like: the end of the file
            } else {
                return null;
            }
        }
        return trimPadding(content.toByteArray());
    }

    /** PKCS#15 files are padded with {@code 00} or {@code FF} after their last object. */
    private static byte[] trimPadding(byte[] content) {
        int end = content.length;
        while (end > 0 && (content[end - 1] == 0 || content[end - 1] == (byte) 0xFF)) {
            end--;
        }
        return java.util.Arrays.copyOf(content, end);
    }

    /** The {@code efidOrPath} of a PKCS#15 {@code Path} ({@code 30 { 04 path ... }}) or a bare octet string. */
    private static byte[] pathOf(byte[] value) {
        for (BerTlv.DataObject object : BerTlv.parse(value)) {
            if (object.tag() == TAG_SEQUENCE) {
                byte[] inner = object.value(value);
                for (BerTlv.DataObject part : BerTlv.parse(inner)) {
                    if (part.tag() == TAG_OCTET_STRING && part.length() >= 2 && part.length() % 2 == 0) {
                        return part.value(inner);
                    }
                }
            } else if (object.tag() == TAG_OCTET_STRING && object.length() >= 2 && object.length() % 2 == 0) {
                return object.value(value);
            }
        }
        return null;
    }

    /**
     * Every PIN object's limit, by reference; where two objects name one reference (local PINs of two DFs), the
     * longer limit: a code is never refused that one of them might take.
     */
    private static void collect(byte[] aodf, Map<Integer, Integer> limits) {
        for (BerTlv.DataObject object : BerTlv.parse(aodf)) {
            if (object.tag() != TAG_SEQUENCE) {
                continue; // biometric [0], authKey [1], external [2]: no PIN
            }
            byte[] pinObject = object.value(aodf);
            for (BerTlv.DataObject part : BerTlv.parse(pinObject)) {
                if (part.tag() != TYPE_ATTRIBUTES) {
                    continue;
                }
                byte[] typeAttributes = part.value(pinObject);
                for (BerTlv.DataObject attributes : BerTlv.parse(typeAttributes)) {
                    if (attributes.tag() == TAG_SEQUENCE) {
                        pinAttributes(attributes.value(typeAttributes), limits);
                    }
                }
            }
        }
    }

    /**
     * {@code PinAttributes ::= SEQUENCE { pinFlags BIT STRING, pinType ENUMERATED, minLength INTEGER,
     * storedLength INTEGER, maxLength INTEGER OPTIONAL, pinReference [0] INTEGER DEFAULT 0, ... }}.
     */
    private static void pinAttributes(byte[] attributes, Map<Integer, Integer> limits) {
        List<BerTlv.DataObject> fields = BerTlv.parse(attributes);
        int integers = 0;
        long stored = -1;
        long max = -1;
        int reference = 0;
        for (BerTlv.DataObject field : fields) {
            switch (field.tag()) {
                case TAG_INTEGER -> {
                    integers++;
                    long number = field.number(attributes);
                    if (integers == 2) {
                        stored = number;
                    } else if (integers == 3) {
                        max = number;
                    }
                }
                case TAG_PIN_REFERENCE -> reference = (int) (field.number(attributes) & 0xFF);
                case TAG_BIT_STRING, TAG_ENUMERATED -> {
                    // pinFlags, pinType: not needed for the length
                }
                default -> {
                    // padChar, lastPinChange, path: not needed either
                }
            }
        }
        long limit = Math.max(stored, max);
        if (reference == 0 || limit <= 0 || limit > 255) {
            return; // no reference VERIFY could name, or no usable length
        }
        limits.merge(reference, (int) limit, Math::max);
    }

    /** Selects again what the card services selected last ({@code before}), or the MF when they do not know. */
    private static void reselect(CardChannel card, List<Integer> before) {
        List<Integer> path = before == null ? List.of(CardPath.MF) : before;
        byte[] command = path.size() <= 1
                ? CommandApdu.encode(0x00, 0xA4, 0x00, 0x0C, new byte[] {0x3F, 0x00}, 0)
                : CommandApdu.encode(0x00, 0xA4, 0x08, 0x0C, Listing.pathData(path), 0);
        card.reselected(card.send(command).ok() ? path : null);
    }
}
