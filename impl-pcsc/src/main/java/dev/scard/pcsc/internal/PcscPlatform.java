package dev.scard.pcsc.internal;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

/**
 * How one platform's PC/SC library looks from Java: where it is, the sizes of its C types, the layout of its
 * structures, the values that differ between implementations, and how its answers map to the contract. Everything
 * platform-specific lives here, so the rest of the backend is the same everywhere; tests build the description of
 * every platform ({@link #linux}, {@link #macos}, {@link #windows}) on any machine.
 *
 * <table>
 * <caption>The types per platform</caption>
 * <tr><th></th><th>Linux (pcsc-lite)</th><th>macOS (PCSC.framework)</th><th>Windows (winscard.dll)</th></tr>
 * <tr><td>{@code DWORD}</td><td>{@code unsigned long} (8 bytes on 64-bit)</td><td>{@code uint32_t}</td>
 * <td>32-bit</td></tr>
 * <tr><td>{@code LONG} (return codes)</td><td>{@code long} (8 bytes on 64-bit)</td><td>{@code int32_t}</td>
 * <td>32-bit</td></tr>
 * <tr><td>{@code SCARDCONTEXT}, {@code SCARDHANDLE}</td><td>{@code LONG}</td><td>{@code int32_t}</td>
 * <td>{@code ULONG_PTR} (pointer size)</td></tr>
 * <tr><td>{@code SCARD_PROTOCOL_RAW}</td><td>4</td><td>4</td><td>0x10000</td></tr>
 * <tr><td>{@code SCARD_READERSTATE}</td><td>natural alignment, ATR of 33 bytes</td><td>packed (pack 1), ATR of 33
 * bytes</td><td>natural alignment, ATR of 36 bytes</td></tr>
 * <tr><td>{@code SCardStatus} state</td><td colspan="2">a bit mask ({@code SCARD_SPECIFIC} = 0x40, ...)</td>
 * <td>an enumeration ({@code SCARD_SPECIFIC} = 6, ...)</td></tr>
 * <tr><td>string functions</td><td colspan="2">{@code SCardConnect}, ...</td><td>{@code SCardConnectA}, ... (ANSI)
 * </td></tr>
 * <tr><td>0x8010001F</td><td colspan="2">{@code SCARD_E_UNSUPPORTED_FEATURE}</td><td>{@code SCARD_E_UNEXPECTED}
 * </td></tr>
 * </table>
 *
 * <p>pcsc-lite also carries an event counter in the upper 16 bits of the state words of {@code SCardStatus} and
 * {@code SCardGetStatusChange} (incremented at every insertion and removal); {@link #hasEventCounter()} says whether
 * the platform has it.
 */
public final class PcscPlatform {

    /** The operating-system families with a PC/SC library. */
    public enum Os {
        LINUX, MACOS, WINDOWS
    }

    // SCardStatus states, pcsc-lite and macOS bit masks.
    static final int PCSCLITE_UNKNOWN = 0x0001;
    static final int PCSCLITE_ABSENT = 0x0002;
    static final int PCSCLITE_PRESENT = 0x0004;
    static final int PCSCLITE_SWALLOWED = 0x0008;
    static final int PCSCLITE_POWERED = 0x0010;
    static final int PCSCLITE_NEGOTIABLE = 0x0020;
    static final int PCSCLITE_SPECIFIC = 0x0040;

    // SCardGetStatusChange reader states, the same values on every platform.
    static final int STATE_UNAWARE = 0x0000;
    static final int STATE_IGNORE = 0x0001;
    static final int STATE_CHANGED = 0x0002;
    static final int STATE_UNKNOWN = 0x0004;
    static final int STATE_UNAVAILABLE = 0x0008;
    static final int STATE_EMPTY = 0x0010;
    static final int STATE_PRESENT = 0x0020;
    static final int STATE_ATRMATCH = 0x0040;
    static final int STATE_EXCLUSIVE = 0x0080;
    static final int STATE_INUSE = 0x0100;
    static final int STATE_MUTE = 0x0200;
    static final int STATE_UNPOWERED = 0x0400;

    /** {@code SCARD_SCOPE_SYSTEM}, the same everywhere. */
    static final int SCOPE_SYSTEM = 2;
    static final int PROTOCOL_UNDEFINED = 0;
    static final int PROTOCOL_T0 = 1;
    static final int PROTOCOL_T1 = 2;
    static final int SHARE_EXCLUSIVE = 1;
    static final int SHARE_SHARED = 2;

    /** The value pcsc-lite (and macOS) use for {@code SCARD_E_UNSUPPORTED_FEATURE}; Windows' SCARD_E_UNEXPECTED. */
    static final int PCSCLITE_UNSUPPORTED_FEATURE = 0x8010001F;

    private final Os os;
    private final int pointerSize;
    private final int dwordSize;
    private final int longSize;
    private final int handleSize;
    private final String defaultLibrary;
    private final String stringSuffix;
    private final int protocolRaw;
    private final int maxAtrSize;
    private final boolean packed;
    private final boolean stdcall;

    private PcscPlatform(Os os, int pointerSize, int dwordSize, int longSize, int handleSize, String defaultLibrary,
            String stringSuffix, int protocolRaw, int maxAtrSize, boolean packed, boolean stdcall) {
        this.os = os;
        this.pointerSize = pointerSize;
        this.dwordSize = dwordSize;
        this.longSize = longSize;
        this.handleSize = handleSize;
        this.defaultLibrary = defaultLibrary;
        this.stringSuffix = stringSuffix;
        this.protocolRaw = protocolRaw;
        this.maxAtrSize = maxAtrSize;
        this.packed = packed;
        this.stdcall = stdcall;
    }

    /**
     * pcsc-lite on Linux (and the other Unix systems it runs on): {@code DWORD} is {@code unsigned long} and
     * {@code LONG} is {@code long}, so both have the size of a C {@code long}, which is the pointer size on the LP64
     * and ILP32 systems pcsc-lite supports.
     *
     * @param pointerSize 8 on 64-bit, 4 on 32-bit systems
     */
    public static PcscPlatform linux(int pointerSize) {
        requirePointerSize(pointerSize);
        return new PcscPlatform(Os.LINUX, pointerSize, pointerSize, pointerSize, pointerSize, "libpcsclite.so.1", "",
                4, 33, false, false);
    }

    /** Apple's PCSC.framework: fixed 32-bit types, structures packed to one byte, pcsc-lite's values. */
    public static PcscPlatform macos() {
        return new PcscPlatform(Os.MACOS, 8, 4, 4, 4, "/System/Library/Frameworks/PCSC.framework/PCSC", "", 4, 33,
                true, false);
    }

    /**
     * WinSCard: 32-bit {@code DWORD} and {@code LONG}, pointer-sized handles, the ANSI ("A") forms of the string
     * functions, and {@code __stdcall} on 32-bit Windows.
     *
     * @param pointerSize 8 on 64-bit, 4 on 32-bit Windows
     */
    public static PcscPlatform windows(int pointerSize) {
        requirePointerSize(pointerSize);
        return new PcscPlatform(Os.WINDOWS, pointerSize, 4, 4, pointerSize, "winscard.dll", "A", 0x10000, 36, false,
                pointerSize == 4);
    }

    /**
     * The platform described by an {@code os.name} value and a pointer size.
     *
     * @throws IllegalArgumentException for an operating system without a known PC/SC library
     */
    public static PcscPlatform of(String osName, int pointerSize) {
        String name = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("windows")) {
            return windows(pointerSize);
        }
        if (name.startsWith("mac") || name.startsWith("darwin")) {
            return macos();
        }
        if (name.contains("linux") || name.contains("bsd") || name.contains("sunos") || name.contains("aix")) {
            return linux(pointerSize);
        }
        throw new IllegalArgumentException("no known PC/SC library on operating system '" + osName + "'");
    }

    /**
     * The platform this JVM runs on, from {@code os.name} and the JVM's data model (without loading native code).
     *
     * @throws IllegalArgumentException for an operating system without a known PC/SC library
     */
    public static PcscPlatform current() {
        String model = System.getProperty("sun.arch.data.model", "");
        String arch = System.getProperty("os.arch", "");
        int pointerSize = model.equals("32") || (!model.equals("64") && !arch.contains("64")) ? 4 : 8;
        return of(System.getProperty("os.name"), pointerSize);
    }

    private static void requirePointerSize(int pointerSize) {
        if (pointerSize != 4 && pointerSize != 8) {
            throw new IllegalArgumentException("pointer size must be 4 or 8, was " + pointerSize);
        }
    }

    /** The operating-system family. */
    public Os os() {
        return os;
    }

    /** Size of a C pointer in bytes. */
    public int pointerSize() {
        return pointerSize;
    }

    /** Size of {@code DWORD} in bytes. */
    public int dwordSize() {
        return dwordSize;
    }

    /** Size of {@code LONG}, the type of every return code, in bytes. */
    public int longSize() {
        return longSize;
    }

    /** Size of {@code SCARDCONTEXT} and {@code SCARDHANDLE} in bytes. */
    public int handleSize() {
        return handleSize;
    }

    /** The library loaded when no path is configured. */
    public String defaultLibrary() {
        return defaultLibrary;
    }

    /** Whether the platform's functions use {@code __stdcall} (32-bit Windows). */
    public boolean stdcall() {
        return stdcall;
    }

    /**
     * The exported name of a function: string functions get the ANSI suffix on Windows ({@code SCardConnectA}).
     *
     * @param function the generic name, e.g. {@code SCardConnect}
     * @param takesStrings whether the function has string parameters (and so an A/W pair on Windows)
     */
    public String functionName(String function, boolean takesStrings) {
        return takesStrings ? function + stringSuffix : function;
    }

    /** How reader names are encoded: UTF-8 for pcsc-lite and macOS, the ANSI code page for Windows' "A" functions. */
    public Charset charset() {
        if (os == Os.WINDOWS) {
            return Charset.defaultCharset();
        }
        return StandardCharsets.UTF_8;
    }

    // ---------------------------------------------------------------- protocols, share modes, dispositions

    /** {@code SCARD_PROTOCOL_RAW}: 4 on pcsc-lite and macOS, 0x10000 on Windows. */
    public int protocolRaw() {
        return protocolRaw;
    }

    /** The {@code dwPreferredProtocols} bit mask for a set of the contract's protocols. */
    public int protocolMask(Set<Protocol> protocols) {
        int mask = 0;
        for (Protocol protocol : protocols) {
            mask |= switch (protocol) {
                case T0 -> PROTOCOL_T0;
                case T1 -> PROTOCOL_T1;
                case RAW -> protocolRaw;
                case UNDEFINED -> 0;
            };
        }
        return mask;
    }

    /** The contract's protocol (RAW is 0xFF there) for an active-protocol value; UNDEFINED for none or unknown. */
    public Protocol protocol(long activeProtocol) {
        if (activeProtocol == PROTOCOL_T0) {
            return Protocol.T0;
        }
        if (activeProtocol == PROTOCOL_T1) {
            return Protocol.T1;
        }
        if (activeProtocol == protocolRaw) {
            return Protocol.RAW;
        }
        return Protocol.UNDEFINED;
    }

    /** {@code SCARD_SHARE_*}: the contract's values are WinSCard's, the same everywhere. */
    public int shareMode(ShareMode shareMode) {
        return shareMode == ShareMode.EXCLUSIVE ? SHARE_EXCLUSIVE : SHARE_SHARED;
    }

    /** {@code SCARD_LEAVE_CARD} ... {@code SCARD_EJECT_CARD}: the contract's values, the same everywhere. */
    public int disposition(Disposition disposition) {
        return disposition.value();
    }

    // ---------------------------------------------------------------- states

    /**
     * The card's state as {@code SCardStatus} reports it, in the contract's terms. pcsc-lite and macOS report a bit
     * mask (the highest bit set wins; pcsc-lite's upper 16 bits are an event counter and are ignored), Windows an
     * enumeration. {@code SCARD_UNKNOWN} (a reader in a bad state), which the contract lacks, counts as
     * {@link CardState#ABSENT}: there is no usable card.
     */
    public CardState cardState(long status) {
        if (os == Os.WINDOWS) {
            return switch ((int) status) {
                case 1 -> CardState.ABSENT;
                case 2 -> CardState.PRESENT;
                case 3 -> CardState.SWALLOWED;
                case 4 -> CardState.POWERED;
                case 5 -> CardState.NEGOTIABLE_MODE;
                case 6 -> CardState.SPECIFIC_MODE;
                default -> CardState.ABSENT;
            };
        }
        int bits = (int) status & 0xFFFF;
        if ((bits & PCSCLITE_SPECIFIC) != 0) {
            return CardState.SPECIFIC_MODE;
        }
        if ((bits & PCSCLITE_NEGOTIABLE) != 0) {
            return CardState.NEGOTIABLE_MODE;
        }
        if ((bits & PCSCLITE_POWERED) != 0) {
            return CardState.POWERED;
        }
        if ((bits & PCSCLITE_SWALLOWED) != 0) {
            return CardState.SWALLOWED;
        }
        if ((bits & PCSCLITE_PRESENT) != 0) {
            return CardState.PRESENT;
        }
        return CardState.ABSENT;
    }

    /**
     * The state {@code status()} reports for a connection: the card's state, except that a powered card with an
     * active protocol on this connection is in {@link CardState#SPECIFIC_MODE} by definition. pcsc-lite keeps
     * reporting {@code SCARD_PRESENT | SCARD_POWERED | SCARD_NEGOTIABLE} (0x34) after a protocol was negotiated.
     */
    public CardState connectionState(long status, Protocol activeProtocol) {
        CardState state = cardState(status);
        if (activeProtocol != Protocol.UNDEFINED && state.value() >= CardState.POWERED.value()) {
            return CardState.SPECIFIC_MODE;
        }
        return state;
    }

    /**
     * A reader's state from {@code SCardGetStatusChange}'s {@code dwEventState}: {@link CardState#ABSENT} when the
     * reader is empty, unknown or unavailable; {@link CardState#PRESENT} for a mute card (in, but not answering);
     * {@link CardState#SWALLOWED} for an unpowered card; otherwise {@link CardState#POWERED}: a card that answered
     * reset, whose protocol the reader state does not tell.
     */
    public static CardState readerCardState(int eventState) {
        if ((eventState & (STATE_UNKNOWN | STATE_UNAVAILABLE | STATE_EMPTY)) != 0
                || (eventState & STATE_PRESENT) == 0) {
            return CardState.ABSENT;
        }
        if ((eventState & STATE_MUTE) != 0) {
            return CardState.PRESENT;
        }
        if ((eventState & STATE_UNPOWERED) != 0) {
            return CardState.SWALLOWED;
        }
        return CardState.POWERED;
    }

    /** {@code SCARD_ATTR_ATR_STRING}, the attribute the lock probe asks for (the same value everywhere). */
    static final int ATTR_ATR_STRING = 0x0009_0303;

    /**
     * Whether {@code SCardGetAttrib} tells, without waiting, that another handle holds the card's transaction
     * ({@code SCARD_E_SHARING_VIOLATION}). True for pcsc-lite: pcscd checks the transaction before it asks the
     * driver, and its client library retries only SCardTransmit, SCardStatus, SCardReconnect and
     * SCardBeginTransaction. Not known for macOS and Windows, where the backend relies on the aborted begin alone.
     */
    public boolean probesLocks() {
        return os == Os.LINUX;
    }

    /** Whether the state words carry pcsc-lite's insertion/removal counter in their upper 16 bits. */
    public boolean hasEventCounter() {
        return os == Os.LINUX;
    }

    /** pcsc-lite's insertion/removal counter from a state word, or -1 where the platform has none. */
    public int eventCounter(long stateWord) {
        return hasEventCounter() ? (int) (stateWord >>> 16) & 0xFFFF : -1;
    }

    // ---------------------------------------------------------------- return codes

    /**
     * The contract's code for a PC/SC return value. The values are WinSCard's, except that pcsc-lite (and macOS)
     * return 0x8010001F for {@code SCARD_E_UNSUPPORTED_FEATURE}, the value Windows uses for
     * {@code SCARD_E_UNEXPECTED} (pcsc-lite never returns SCARD_E_UNEXPECTED): on those platforms 0x8010001F maps to
     * {@link HResult#SCARD_E_UNSUPPORTED_FEATURE}. Values outside the smart-card facility (0x8010xxxx) other than
     * success and {@code ERROR_BROKEN_PIPE}, and values the contract does not name, return null.
     */
    public HResult hresult(int code) {
        if (code == PCSCLITE_UNSUPPORTED_FEATURE && os != Os.WINDOWS) {
            return HResult.SCARD_E_UNSUPPORTED_FEATURE;
        }
        if (code == 0) {
            return HResult.SCARD_S_SUCCESS;
        }
        if (code != HResult.ERROR_BROKEN_PIPE.value() && (code & 0xFFFF0000) != 0x80100000) {
            return null;
        }
        return HResult.fromValue(code);
    }

    // ---------------------------------------------------------------- structure layouts

    /** Maximum ATR bytes {@code SCARD_READERSTATE.rgbAtr} holds: 33 (pcsc-lite, macOS) or 36 (Windows). */
    public int maxAtrSize() {
        return maxAtrSize;
    }

    /** Whether structures are packed to one byte ({@code #pragma pack(1)}, macOS). */
    public boolean packed() {
        return packed;
    }

    /** Offset of {@code SCARD_READERSTATE.szReader}. */
    public int readerStateNameOffset() {
        return 0;
    }

    /** Offset of {@code SCARD_READERSTATE.dwCurrentState}. */
    public int readerStateCurrentOffset() {
        return align(2 * pointerSize, dwordSize);
    }

    /** Offset of {@code SCARD_READERSTATE.dwEventState}. */
    public int readerStateEventOffset() {
        return readerStateCurrentOffset() + dwordSize;
    }

    /** Offset of {@code SCARD_READERSTATE.cbAtr}. */
    public int readerStateAtrLengthOffset() {
        return readerStateEventOffset() + dwordSize;
    }

    /** Offset of {@code SCARD_READERSTATE.rgbAtr}. */
    public int readerStateAtrOffset() {
        return readerStateAtrLengthOffset() + dwordSize;
    }

    /** {@code sizeof(SCARD_READERSTATE)}, padded to the structure's alignment unless packed. */
    public int readerStateSize() {
        return align(readerStateAtrOffset() + maxAtrSize, Math.max(pointerSize, dwordSize));
    }

    /** {@code sizeof(SCARD_IO_REQUEST)}: two {@code DWORD}s ({@code unsigned long}s on pcsc-lite). */
    public int ioRequestSize() {
        return 2 * dwordSize;
    }

    /** Offset of {@code SCARD_IO_REQUEST.cbPciLength}. */
    public int ioRequestLengthOffset() {
        return dwordSize;
    }

    /** Most readers one {@code SCardGetStatusChange} call takes (pcsc-lite's PCSCLITE_MAX_READERS_CONTEXTS). */
    public int maxReadersPerStatusCall() {
        return os == Os.WINDOWS ? 64 : 16;
    }

    private int align(int offset, int alignment) {
        if (packed) {
            return offset;
        }
        return (offset + alignment - 1) / alignment * alignment;
    }

    @Override
    public String toString() {
        return os.name().toLowerCase(Locale.ROOT) + "-" + (pointerSize * 8) + "bit";
    }
}
