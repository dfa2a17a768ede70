package dev.scard.api;

import java.util.HashMap;
import java.util.Map;

/**
 * Every HRESULT the contract names: the COM codes of spec §4 and the smart-card codes of spec §4.2
 * (Scarderr.h), each with its numeric value and a short meaning.
 *
 * <p>{@link #value()} is the 32-bit HRESULT as Windows defines it; {@link #name()} is the symbolic name.
 */
public enum HResult {
    S_OK(0x00000000, "success"),
    E_NOTIMPL(0x80004001, "not implemented"),
    E_NOINTERFACE(0x80004002, "interface not supported"),
    E_POINTER(0x80004003, "invalid pointer"),
    E_ABORT(0x80004004, "operation aborted"),
    E_FAIL(0x80004005, "unspecified failure"),
    E_UNEXPECTED(0x8000FFFF, "unexpected failure"),
    E_ACCESSDENIED(0x80070005, "access denied"),
    E_HANDLE(0x80070006, "invalid handle"),
    E_OUTOFMEMORY(0x8007000E, "allocation failed"),
    E_INVALIDARG(0x80070057, "invalid argument"),

    /** The smart-card name for success; the same value as {@link #S_OK}, which {@link #fromValue(int)} returns. */
    SCARD_S_SUCCESS(0x00000000, "success"),
    ERROR_BROKEN_PIPE(0x00000109, "smart-card call from a remote session that cannot redirect smart cards"),
    SCARD_F_INTERNAL_ERROR(0x80100001, "internal consistency check failed"),
    SCARD_E_CANCELLED(0x80100002, "cancelled"),
    SCARD_E_INVALID_HANDLE(0x80100003, "invalid handle"),
    SCARD_E_INVALID_PARAMETER(0x80100004, "invalid parameter"),
    SCARD_E_INVALID_TARGET(0x80100005, "startup information missing or invalid"),
    SCARD_E_NO_MEMORY(0x80100006, "not enough memory"),
    SCARD_F_WAITED_TOO_LONG(0x80100007, "internal consistency timer expired"),
    SCARD_E_INSUFFICIENT_BUFFER(0x80100008, "buffer too small"),
    SCARD_E_UNKNOWN_READER(0x80100009, "unknown reader"),
    SCARD_E_TIMEOUT(0x8010000A, "timeout"),
    SCARD_E_SHARING_VIOLATION(0x8010000B, "sharing violation: other connections prevent access"),
    SCARD_E_NO_SMARTCARD(0x8010000C, "no smart card in the reader"),
    SCARD_E_UNKNOWN_CARD(0x8010000D, "unknown card"),
    SCARD_E_CANT_DISPOSE(0x8010000E, "the requested disposition could not be carried out"),
    SCARD_E_PROTO_MISMATCH(0x8010000F, "protocol mismatch"),
    SCARD_E_NOT_READY(0x80100010, "reader or card not ready"),
    SCARD_E_INVALID_VALUE(0x80100011, "invalid value"),
    SCARD_E_SYSTEM_CANCELLED(0x80100012, "cancelled by the system"),
    SCARD_F_COMM_ERROR(0x80100013, "internal communications error"),
    SCARD_F_UNKNOWN_ERROR(0x80100014, "unknown internal error"),
    SCARD_E_INVALID_ATR(0x80100015, "invalid ATR"),
    SCARD_E_NOT_TRANSACTED(0x80100016, "no transaction to end"),
    SCARD_E_READER_UNAVAILABLE(0x80100017, "reader unavailable"),
    SCARD_P_SHUTDOWN(0x80100018, "aborted for shutdown"),
    SCARD_E_PCI_TOO_SMALL(0x80100019, "PCI receive buffer too small"),
    SCARD_E_READER_UNSUPPORTED(0x8010001A, "reader driver unsupported"),
    SCARD_E_DUPLICATE_READER(0x8010001B, "duplicate reader name"),
    SCARD_E_CARD_UNSUPPORTED(0x8010001C, "card unsupported"),
    SCARD_E_NO_SERVICE(0x8010001D, "smart-card resource manager not running"),
    SCARD_E_SERVICE_STOPPED(0x8010001E, "smart-card resource manager stopped"),
    SCARD_E_UNEXPECTED(0x8010001F, "unexpected card error"),
    SCARD_E_ICC_INSTALLATION(0x80100020, "no primary provider for the card"),
    SCARD_E_ICC_CREATEORDER(0x80100021, "object creation order not supported"),
    SCARD_E_UNSUPPORTED_FEATURE(0x80100022, "feature not supported by the card"),
    SCARD_E_DIR_NOT_FOUND(0x80100023, "directory not found"),
    SCARD_E_FILE_NOT_FOUND(0x80100024, "file not found"),
    SCARD_E_NO_DIR(0x80100025, "path is not a directory"),
    SCARD_E_NO_FILE(0x80100026, "path is not a file"),
    SCARD_E_NO_ACCESS(0x80100027, "access denied"),
    SCARD_E_WRITE_TOO_MANY(0x80100028, "write would overflow the file"),
    SCARD_E_BAD_SEEK(0x80100029, "bad seek position"),
    SCARD_E_INVALID_CHV(0x8010002A, "invalid PIN"),
    SCARD_E_UNKNOWN_RES_MNG(0x8010002B, "unrecognized error code"),
    SCARD_E_NO_SUCH_CERTIFICATE(0x8010002C, "no such certificate"),
    SCARD_E_CERTIFICATE_UNAVAILABLE(0x8010002D, "certificate unavailable"),
    SCARD_E_NO_READERS_AVAILABLE(0x8010002E, "no readers available"),
    SCARD_E_COMM_DATA_LOST(0x8010002F, "communication data lost"),
    SCARD_E_NO_KEY_CONTAINER(0x80100030, "no key container"),
    SCARD_E_SERVER_TOO_BUSY(0x80100031, "resource manager too busy"),
    SCARD_E_PIN_CACHE_EXPIRED(0x80100032, "PIN cache expired"),
    SCARD_E_NO_PIN_CACHE(0x80100033, "PIN cannot be cached"),
    SCARD_E_READ_ONLY_CARD(0x80100034, "card is read-only"),
    SCARD_W_UNSUPPORTED_CARD(0x80100065, "card not supported by the reader"),
    SCARD_W_UNRESPONSIVE_CARD(0x80100066, "card does not answer reset"),
    SCARD_W_UNPOWERED_CARD(0x80100067, "card unpowered"),
    SCARD_W_RESET_CARD(0x80100068, "card was reset"),
    SCARD_W_REMOVED_CARD(0x80100069, "card was removed"),
    SCARD_W_SECURITY_VIOLATION(0x8010006A, "security violation"),
    SCARD_W_WRONG_CHV(0x8010006B, "wrong PIN"),
    SCARD_W_CHV_BLOCKED(0x8010006C, "PIN blocked"),
    SCARD_W_EOF(0x8010006D, "end of file"),
    SCARD_W_CANCELLED_BY_USER(0x8010006E, "cancelled by the user"),
    SCARD_W_CARD_NOT_AUTHENTICATED(0x8010006F, "no PIN presented"),
    SCARD_W_CACHE_ITEM_NOT_FOUND(0x80100070, "cache item not found"),
    SCARD_W_CACHE_ITEM_STALE(0x80100071, "cache item stale"),
    SCARD_W_CACHE_ITEM_TOO_BIG(0x80100072, "cache item too big");

    private static final Map<Integer, HResult> BY_VALUE = new HashMap<>();

    static {
        for (HResult code : values()) {
            BY_VALUE.putIfAbsent(code.value, code);
        }
    }

    private final int value;
    private final String meaning;

    HResult(int value, String meaning) {
        this.value = value;
        this.meaning = meaning;
    }

    /** The numeric HRESULT, e.g. {@code 0x8010000C} for {@link #SCARD_E_NO_SMARTCARD}. */
    public int value() {
        return value;
    }

    /** A short, human-readable meaning of the code. */
    public String meaning() {
        return meaning;
    }

    /** The value in the usual notation, e.g. {@code 0x8010000C}. */
    public String hex() {
        return String.format("0x%08X", value);
    }

    /**
     * The code with this numeric value.
     *
     * @param value a 32-bit HRESULT
     * @return the code, or {@code null} when the contract does not name this value
     */
    public static HResult fromValue(int value) {
        return BY_VALUE.get(value);
    }
}
