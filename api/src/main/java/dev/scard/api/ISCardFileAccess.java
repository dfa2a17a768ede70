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
 * <p><b>Paths</b> (see {@link RefType}): hexadecimal file identifiers separated by {@code /}, absolute when they
 * start at {@code 3F00} ({@code 3F00/5015/4401}), relative to the current directory otherwise; {@code ..} goes
 * to the parent; {@code aid:<hex>} selects a DF by name; {@code sfi:<hex>} an EF by short identifier.
 * Malformed paths fail with {@link HResult#E_INVALIDARG}; a file that is not there with
 * {@link HResult#SCARD_E_FILE_NOT_FOUND} (or {@link HResult#SCARD_E_DIR_NOT_FOUND} for a directory).
 *
 * <p><b>Handles</b> from {@link #open} are small positive numbers, valid until {@link #close} or the end of the
 * attachment; an unknown or closed handle fails with {@link HResult#SCARD_E_INVALID_HANDLE}.
 *
 * <p><b>Flags:</b> {@link SCardFlag#SECURE_MESSAGING} fails with {@link HResult#SCARD_E_UNSUPPORTED_FEATURE}
 * where the provider cannot do secure messaging.
 */
@ProviderType
public interface ISCardFileAccess {

    /** {@code IID_ISCardFileAccess}. */
    UUID IID = UUID.fromString("4029DD8A-5902-11D0-B84C-00C04FD424B9");

    /**
     * Models {@code ChangeDir}: selects a directory, which becomes the current directory.
     *
     * @throws SCardException {@link HResult#SCARD_E_DIR_NOT_FOUND}; {@link HResult#SCARD_E_NO_DIR} when the
     *         path names an EF
     */
    void changeDir(RefType refType, String newDir);

    /** Models {@code Close}: the handle is invalid afterwards. */
    void close(long fileHandle);

    /**
     * Models {@code Create}: creates a file in the current directory (CREATE FILE).
     *
     * @param refType how {@code pathSpec} names the new file
     * @param pathSpec the new file's identifier
     * @param properties the new file's FCP entries (file descriptor {@code 82}, size {@code 80}, ...)
     * @param flags {@link SCardFlag#PREALLOCATE} writes {@code initialData} into the new file
     * @param initialData the pre-allocated data, or null
     */
    void create(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags, byte[] initialData);

    /**
     * Models {@code Delete}: deletes a file (DELETE FILE). Deleting a DF that is not empty needs
     * {@link SCardFlag#RECURSIVE}.
     */
    void delete(RefType refType, String pathSpec, Set<SCardFlag> flags);

    /**
     * Models {@code Directory}: the identifiers of the current directory's files of a kind, as paths relative
     * to it (e.g. {@code 5015}).
     */
    List<String> directory(FileType fileType);

    /** Models {@code GetCurrentDir}: the absolute path of the current directory, e.g. {@code 3F00/5015}. */
    String getCurrentDir();

    /**
     * Models {@code GetFileCapabilities}: properties of the current file (the last one selected or opened).
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
     * Models {@code Invalidate}: deactivates a file (DEACTIVATE FILE); it cannot be read or written until
     * {@link #rehabilitate}. The path is read as {@link RefType#BY_ANY}.
     */
    void invalidate(String pathSpec, Set<SCardFlag> flags);

    /**
     * Models {@code Open}: selects an EF and opens it; the position starts at 0.
     *
     * @return the file handle
     */
    long open(RefType refType, String pathSpec);

    /**
     * Models {@code Read}: reads from the current position and advances it. In a transparent file it reads
     * {@code bytesToRead} bytes (a read that crosses the end returns what is there); in a record file it reads
     * one record and {@code bytesToRead} bounds its length (0: the whole record).
     *
     * @return the data read; its length is the contract's out-value of {@code lBytesToRead}
     * @throws SCardException {@link HResult#SCARD_W_EOF} when the position is at the end
     */
    byte[] read(long fileHandle, int bytesToRead, Set<SCardFlag> flags);

    /** Models {@code Rehabilitate}: reactivates a file (ACTIVATE FILE). The path is read as {@link RefType#BY_ANY}. */
    void rehabilitate(String pathSpec, Set<SCardFlag> flags);

    /**
     * Models {@code Seek}: moves the position; bytes in transparent files, records in record files.
     *
     * @return the new position (an addition)
     * @throws SCardException {@link HResult#SCARD_E_BAD_SEEK} for a position before the start or past the end
     */
    long seek(long fileHandle, SeekOrigin origin, long offset);

    /** Models {@code SetProperties}: writes FCP entries of a file (where the card allows it). */
    void setProperties(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags);

    /**
     * Models {@code Write}: in a transparent file overwrites from the current position and advances it; in a
     * record file updates the record at the position, or appends a new record when the position is past the
     * last one.
     *
     * @throws SCardException {@link HResult#SCARD_E_WRITE_TOO_MANY} when the data does not fit
     */
    void write(long fileHandle, byte[] data, Set<SCardFlag> flags);
}
