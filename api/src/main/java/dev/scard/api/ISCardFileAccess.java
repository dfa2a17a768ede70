package dev.scard.api;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The contract's {@code ISCardFileAccess}: an ISO 7816-4 file system on the attached card. Created by
 * {@link ISCardManage#createFileAccess()}; dies with the manager's attachment (calls afterwards fail with
 * {@link HResult#SCARD_E_INVALID_HANDLE}).
 *
 * <p><b>Paths</b> (see {@link RefType}): hexadecimal file identifiers (four digits each) separated by {@code /},
 * absolute when they start at {@code 3F00} ({@code 3F00/5015/4401}), relative to the current directory otherwise;
 * {@code ..} goes to the parent; {@code aid:<hex>} selects a DF by name (1 to 16 bytes); {@code sfi:<hex>} an EF
 * of the current directory by short identifier ({@code 01} to {@code 1E}). Malformed paths, {@code ..} above the
 * MF, and the reserved identifiers {@code 3FFF} and {@code FFFF} fail with {@link HResult#E_INVALIDARG} and a
 * message that quotes the path and says what is wrong. A file that is not there fails with
 * {@link HResult#SCARD_E_FILE_NOT_FOUND}, a directory (also one on the way to a file) with
 * {@link HResult#SCARD_E_DIR_NOT_FOUND}; an EF where a directory is needed with {@link HResult#SCARD_E_NO_DIR}, a DF
 * where a file is needed with {@link HResult#SCARD_E_NO_FILE}.
 *
 * <p><b>Access.</b> An operation the file's access condition forbids (typically before the PIN is verified) fails
 * with {@link HResult#SCARD_E_NO_ACCESS} (ISO 7816-4 {@code 6982}); so does one on an invalidated file. The current
 * directory is kept by this interface, not by the card: every operation selects what it works on by its absolute
 * path, so other applications and other interfaces selecting other files do not disturb it. Hold the manager's
 * lock around a sequence of calls that must not be interleaved with other applications' commands.
 *
 * <p><b>Handles</b> from {@link #open} are small positive numbers, valid until {@link #close} or the end of the
 * attachment, and only for the interface that opened them; an unknown or closed handle fails with
 * {@link HResult#SCARD_E_INVALID_HANDLE}.
 *
 * <p><b>Flags:</b> {@link SCardFlag#SECURE_MESSAGING} fails with {@link HResult#SCARD_E_UNSUPPORTED_FEATURE}
 * where the provider cannot do secure messaging (the generic ISO 7816-4 provider never can); a null flag set fails
 * with {@link HResult#E_INVALIDARG}; flags a method has no use for are ignored.
 *
 * <p><b>The generic provider</b> ({@code dev.scard.card-services}) reads and writes up to 32,768 bytes per APDU
 * with extended lengths where the card takes them (short APDUs otherwise), and uses the odd-instruction
 * READ/UPDATE BINARY beyond offset 32,767. ISO 7816-4 has no command that lists a directory: its
 * {@link #directory} uses the card's LIST FILES ({@code 80 16}) where the card has it, and otherwise tries a bounded
 * set of well-known file identifiers (and the applications EF.DIR names), so that listing may be incomplete.
 */
@ProviderType
public interface ISCardFileAccess {

    /** {@code IID_ISCardFileAccess}. */
    UUID IID = UUID.fromString("4029DD8A-5902-11D0-B84C-00C04FD424B9");

    /**
     * Models {@code ChangeDir}: selects a directory, which becomes the current directory; a failure leaves the
     * current directory as it was.
     *
     * @throws SCardException {@link HResult#SCARD_E_DIR_NOT_FOUND}; {@link HResult#SCARD_E_NO_DIR} when the
     *         path names an EF; {@link HResult#SCARD_E_NO_ACCESS} for an invalidated directory
     */
    void changeDir(RefType refType, String newDir);

    /** Models {@code Close}: the handle is invalid afterwards. */
    void close(long fileHandle);

    /**
     * Models {@code Create}: creates a file (CREATE FILE with an FCP template {@code 62} made of {@code properties})
     * in the current directory, or in the directory a longer path names ({@code 3F00/5015/4410}).
     *
     * @param refType how {@code pathSpec} names the new file: {@link RefType#BY_ID} (or {@code BY_ANY}) by its
     *        file identifier, which becomes property {@code 83}; {@link RefType#BY_NAME} a DF by its name
     *        ({@code 84}), whose file identifier must then be in {@code properties}
     * @param pathSpec the new file's identifier
     * @param properties the new file's FCP entries (file descriptor {@code 82} required, size {@code 80}, ...), each
     *        tag once
     * @param flags {@link SCardFlag#PREALLOCATE} writes {@code initialData} into the new (transparent) file
     * @param initialData the pre-allocated data, or null; data without {@code PREALLOCATE}, or {@code PREALLOCATE}
     *        without data, fails with {@link HResult#E_INVALIDARG}
     * @throws SCardException {@link HResult#E_INVALIDARG} when the file exists or the card rejects the FCP;
     *         {@link HResult#SCARD_E_NO_ACCESS} without the directory's create condition;
     *         {@link HResult#SCARD_E_WRITE_TOO_MANY} when the initial data or the file do not fit
     */
    void create(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags, byte[] initialData);

    /**
     * Models {@code Delete}: deletes a file (DELETE FILE). Deleting a DF that is not empty needs
     * {@link SCardFlag#RECURSIVE} ({@link HResult#E_INVALIDARG} otherwise); the MF cannot be deleted. When the
     * current directory was inside the deleted DF, the DF's parent becomes the current directory; handles of deleted
     * files fail with {@link HResult#SCARD_E_FILE_NOT_FOUND}.
     */
    void delete(RefType refType, String pathSpec, Set<SCardFlag> flags);

    /**
     * Models {@code Directory}: the identifiers of the current directory's files of a kind, as paths relative
     * to it (e.g. {@code 5015}), in identifier order. {@link FileType#DIRECTORIES} and
     * {@link FileType#DIRECTORY_FILE} list DFs, {@link FileType#FILES} EFs, {@link FileType#ALL_FILES} both, the
     * other kinds the EFs of that structure.
     */
    List<String> directory(FileType fileType);

    /** Models {@code GetCurrentDir}: the absolute path of the current directory, e.g. {@code 3F00/5015}. */
    String getCurrentDir();

    /**
     * Models {@code GetFileCapabilities}: the FCP entries of the current file: the file last opened, or the
     * directory last changed to, whichever came later (the MF at first).
     *
     * @param query tags to fetch; empty for every top-level FCP entry
     * @return one entry per requested tag ({@link Tlv#valid()} false when the file has none)
     */
    List<Tlv> getFileCapabilities(List<Tlv> query, Set<SCardFlag> flags);

    /**
     * Models {@code GetProperties}: the FCP entries of a file.
     *
     * @param tags the tags to fetch; none for every top-level FCP entry
     * @return one entry per requested tag ({@link Tlv#valid()} false when the file has none)
     */
    List<Tlv> getProperties(RefType refType, String pathSpec, Set<SCardFlag> flags, int... tags);

    /**
     * Models {@code Invalidate}: deactivates a file (DEACTIVATE FILE); it cannot be opened, read or written (nor a
     * directory changed to) until {@link #rehabilitate}: those fail with {@link HResult#SCARD_E_NO_ACCESS}. Its
     * properties can still be read (life cycle {@code 8A} = {@code 04}). The path is read as
     * {@link RefType#BY_ANY}.
     */
    void invalidate(String pathSpec, Set<SCardFlag> flags);

    /**
     * Models {@code Open}: selects an EF and opens it; the position starts at 0.
     *
     * @return the file handle
     * @throws SCardException {@link HResult#SCARD_E_FILE_NOT_FOUND}; {@link HResult#SCARD_E_NO_FILE} for a DF;
     *         {@link HResult#SCARD_E_NO_ACCESS} for an invalidated file
     */
    long open(RefType refType, String pathSpec);

    /**
     * Models {@code Read}: reads from the current position and advances it. In a transparent file it reads
     * {@code bytesToRead} bytes, 0 meaning everything to the end (a read that crosses the end returns what is
     * there); in a record file it reads one record and {@code bytesToRead} bounds its length (0: the whole record).
     *
     * @return the data read; its length is the contract's out-value of {@code lBytesToRead}
     * @throws SCardException {@link HResult#SCARD_W_EOF} when the position is at the end;
     *         {@link HResult#SCARD_E_NO_ACCESS} when the read condition is not met or the file is invalidated;
     *         {@link HResult#E_INVALIDARG} for a negative {@code bytesToRead}
     */
    byte[] read(long fileHandle, int bytesToRead, Set<SCardFlag> flags);

    /** Models {@code Rehabilitate}: reactivates a file (ACTIVATE FILE). The path is read as {@link RefType#BY_ANY}. */
    void rehabilitate(String pathSpec, Set<SCardFlag> flags);

    /**
     * Models {@code Seek}: moves the position; bytes in transparent files, records in record files (position 0 is
     * the first record). The end itself (the size, or the number of records) is a valid position, where a read
     * fails with {@link HResult#SCARD_W_EOF} and a write to a record file appends.
     *
     * @return the new position (an addition)
     * @throws SCardException {@link HResult#SCARD_E_BAD_SEEK} for a position before the start or past the end (the
     *         position does not move)
     */
    long seek(long fileHandle, SeekOrigin origin, long offset);

    /**
     * Models {@code SetProperties}: writes FCP entries of a file where the card allows it. ISO 7816-4 offers a
     * command for the life cycle status only: the generic provider sets {@code 8A} ({@code 05} activated: ACTIVATE
     * FILE, {@code 04} deactivated: DEACTIVATE FILE) and fails with {@link HResult#SCARD_E_UNSUPPORTED_FEATURE} for
     * any other tag, before changing anything.
     */
    void setProperties(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags);

    /**
     * Models {@code Write}: in a transparent file overwrites from the current position and advances it; in a
     * record file updates the record at the position, or appends a new record when the position is at the end
     * (in a cyclic file the new record becomes record 1), and advances by one record. Writing nothing does nothing.
     *
     * @throws SCardException {@link HResult#SCARD_E_WRITE_TOO_MANY} when the data does not fit (a transparent
     *         file is checked before anything is written); {@link HResult#E_INVALIDARG} for a record of the wrong
     *         length in a linear fixed or cyclic file; {@link HResult#SCARD_E_NO_ACCESS} when the update condition is
     *         not met
     */
    void write(long fileHandle, byte[] data, Set<SCardFlag> flags);
}
