package dev.scard.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * The contract's {@code SCARD_FLAGS}, a bit mask; methods take them as a {@code Set<SCardFlag>}
 * ({@link #NONE} for {@code SC_FL_NO_FLAGS}). {@link #toMask(Set)} and {@link #fromMask(int)} convert.
 */
public enum SCardFlag implements ContractValue {
    /** Use secure messaging. */
    SECURE_MESSAGING(0x00000001),
    /** Replace. */
    REPLACE(0x00000002),
    /** Erase. */
    ERASE(0x00000004),
    /** Logical or. */
    OR(0x00000008),
    /** Logical and. */
    AND(0x00000010),
    /** Recursive. */
    RECURSIVE(0x00000020),
    /** Not recursive. */
    NON_RECURSIVE(0x00000040),
    /** The code (PIN) is global (MF level). */
    IHV_GLOBAL(0x00000080),
    /** The code (PIN) is local (DF level). */
    IHV_LOCAL(0x00000100),
    /** Enable the code. */
    IHV_ENABLE(0x00000200),
    /** Disable the code. */
    IHV_DISABLE(0x00000400),
    /** Change the code. */
    IHV_CHANGE(0x00000800),
    /** Data is pre-allocated ({@code SC_FL_PREALLOCATE}; the documentation spells it PREALLOCATED). */
    PREALLOCATE(0x00001000),
    /** Get every property. */
    GET_ALL_PROPERTIES(0x00002000),
    /** Default status. */
    STAT_DEFAULT(0x00004000),
    /** Only check the code's state (e.g. remaining tries), do not verify. */
    IHV_CHECKONLY(0x00008000);

    /** {@code SC_FL_NO_FLAGS}: the empty, unmodifiable set. */
    public static final Set<SCardFlag> NONE = Set.of();

    private final int value;

    SCardFlag(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }

    /** The bit mask of a set of flags. */
    public static int toMask(Set<SCardFlag> flags) {
        int mask = 0;
        for (SCardFlag flag : flags) {
            mask |= flag.value;
        }
        return mask;
    }

    /**
     * The flags of a bit mask.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} when the mask has bits no flag defines
     */
    public static Set<SCardFlag> fromMask(int mask) {
        EnumSet<SCardFlag> flags = EnumSet.noneOf(SCardFlag.class);
        int rest = mask;
        for (SCardFlag flag : values()) {
            if ((mask & flag.value) != 0) {
                flags.add(flag);
                rest &= ~flag.value;
            }
        }
        if (rest != 0) {
            throw new SCardException(HResult.E_INVALIDARG, String.format("undefined flag bits 0x%08X", rest));
        }
        return flags;
    }
}
