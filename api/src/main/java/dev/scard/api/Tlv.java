package dev.scard.api;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One entry of the contract's {@code TLV_TABLE}: a BER-TLV tag with its value, as file properties and
 * capabilities are passed ({@link ISCardFileAccess#getProperties}, {@link ISCardFileAccess#setProperties},
 * {@link ISCardFileAccess#create}). Tags are ISO 7816-4 FCP tags (e.g. {@code 0x80} file size,
 * {@code 0x82} file descriptor, {@code 0x83} file identifier).
 *
 * <p>{@link #valid()} models the contract's {@code Valid} field: {@code false} for a requested tag the file
 * does not have (its value is then empty).
 *
 * @param tag the tag, one to three bytes as an int (e.g. {@code 0x62}, {@code 0x9F7F})
 * @param value the value (copied in and out)
 * @param valid whether the entry holds a value
 */
public record Tlv(int tag, byte[] value, boolean valid) {

    /** Checks the arguments and copies the value. */
    public Tlv {
        if (tag <= 0 || tag > 0xFFFFFF) {
            throw new SCardException(HResult.E_INVALIDARG, String.format("TLV tag 0x%X is out of range", tag));
        }
        value = value == null ? new byte[0] : value.clone();
    }

    /** A valid entry with a value. */
    public static Tlv of(int tag, byte[] value) {
        return new Tlv(tag, Objects.requireNonNull(value, "value"), true);
    }

    /** An entry for a tag the object does not have. */
    public static Tlv missing(int tag) {
        return new Tlv(tag, new byte[0], false);
    }

    /** A copy of the value. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tlv that && tag == that.tag && valid == that.valid && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tag, valid, Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return valid ? String.format("%X=%s", tag, HexFormat.of().withUpperCase().formatHex(value))
                : String.format("%X=<absent>", tag);
    }
}
