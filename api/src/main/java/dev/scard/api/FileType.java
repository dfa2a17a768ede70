package dev.scard.api;

/**
 * The contract's {@code FILETYPE}: the filter of {@link ISCardFileAccess#directory(FileType)} and the kind of a file.
 * The first three are list filters; the others name one kind of file and list only files of that kind.
 */
public enum FileType implements ContractValue {
    /** List directory files (DFs) only. */
    DIRECTORIES(0),
    /** List elementary files (EFs) only. */
    FILES(1),
    /** List DFs and EFs. */
    ALL_FILES(2),
    /** A directory file (DF). */
    DIRECTORY_FILE(3),
    /** A transparent (binary) EF. */
    TRANSPARENT_EF(4),
    /** A linear fixed-length record EF. */
    FIXED_EF(5),
    /** A cyclic record EF. */
    CYCLIC_EF(6),
    /** A linear variable-length record EF. */
    VARIABLE_EF(7);

    private final int value;

    FileType(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
