package dev.scard.cardservices.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;
import dev.scard.cardservices.internal.StatusWordErrors.Kind;
import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.Fcp;
import dev.scard.iso7816.StatusWords;

/**
 * {@link ISCardFileAccess} over ISO 7816-4 commands sent through {@link ISCardManage#transmit(byte[])}.
 *
 * <p><b>Selection.</b> The current directory is kept here, as an absolute path, not on the card: every operation
 * selects what it works on by its absolute path (SELECT with {@code P1=08}, path from the MF; file by file with
 * {@code P1=00} on cards that refuse path selection), asking for the FCP, so that it sees the file's current size,
 * record count and life cycle. It selects at most once per operation, and not at all when the file is selected
 * already: what is selected is recorded per attachment ({@link CardChannel}), and the record is trusted
 * <ul>
 * <li>within one call (every call runs synchronized on the attachment view);</li>
 * <li>across calls only while the manager holds the lock (then no other application can send a SELECT), only by
 * the object that selected, and only for a file it has open: opening a file, getting its capabilities, reading,
 * seeking and writing it form one operation, which ends when the file is closed. Another {@code ISCardFileAccess},
 * a command of the card services that may change the selection, or a failed transmission forgets the record; a
 * reconnect ends the lock.</li>
 * </ul>
 * So, under the lock, opening a file and reading it costs one SELECT: the shell's {@code scard:cat} of a small file
 * is 2 APDUs. Without the lock every call selects once, as other applications may select other files in between.
 * {@link #changeDir} always selects. An application that keeps a file open while it releases the lock (or
 * reconnects) and takes it again, or that sends its own SELECT through {@link ISCardManage#transmit(byte[])} while a
 * file is open, closes and opens the file again afterwards.
 *
 * <p><b>Large files.</b> READ BINARY and UPDATE BINARY move up to 32,768 bytes per APDU with extended lengths
 * (falling back to short APDUs of 256/255 bytes for good once the card answers {@code 6700} or the reader refuses
 * an extended APDU), and use the odd instructions {@code B1}/{@code D7} (offset data object {@code 54}) beyond
 * offset 32,767.
 *
 * <p><b>Cards without an FCP.</b> Many cards answer SELECT with the status word alone. The structure of such an EF
 * is unknown (not transparent): a read or write of it sends READ BINARY or UPDATE BINARY at the position, and when
 * the card answers {@code 6981} (command incompatible with file structure) the same position is a record index and
 * READ RECORD or UPDATE RECORD follows (record position + 1, "the card decides"). What the card showed is kept for
 * the open handle (no second try), and {@link #getFileCapabilities} of that open file reports a transparent one
 * with the file descriptor {@code 82 01 01}; a record file, whose kind of records the card did not tell, and a file
 * not yet read or written get no descriptor: nothing is made up. A listing tells DFs from EFs with one SELECT more
 * per such file (see {@link Listing}).
 *
 * <p><b>Listing.</b> ISO 7816-4 has no command to list a DF. {@link #directory} (and the non-recursive
 * {@link #delete} of a DF, and opening by short identifier, {@code sfi:}) select the DF and ask the card's own
 * listing command, LIST FILES ({@code 80 16 00 00}, CardOS-style, as the simulated card offers it), then select each
 * listed file once for its FCP: {@code directory} of a DF with n files costs 2 + n APDUs. On a card without that
 * command ({@code 6D00}, {@code 6E00}, {@code 6A86}, {@code 6A81}, {@code 6881}) a listing tries a bounded set of
 * well-known file identifiers (and, in the MF, the applications EF.DIR names) instead: about 35 APDUs, and the
 * listing may be incomplete; this interface remembers not to ask LIST FILES again ({@link Listing}). A listing
 * ends between two APDUs when the calling thread is interrupted ({@code SCARD_E_CANCELLED}).
 *
 * <p>Thread-safe: every method runs synchronized on the attachment view it was created with
 * ({@link CardChannel#manager()}), which the manager hands every factory call of the same attachment, so the
 * SELECT and the commands that depend on it form one sequence with respect to the other generic interfaces
 * ({@code ISCardFileAccess}, {@code ISCardVerify}, {@code ISCardAuth}) of the same manager, whichever thread calls
 * them. APDUs the application sends itself with {@link ISCardManage#transmit(byte[])} in between (and other
 * applications, unless the manager's lock is held) are not part of that order: they are the application's
 * business.
 */
final class IsoFileAccess implements ISCardFileAccess {

    /** The most files open at once through one interface. */
    static final int MAX_OPEN_FILES = 256;
    /** The most bytes one extended READ BINARY or UPDATE BINARY moves. */
    static final int MAX_EXTENDED_CHUNK = 32768;
    /** The highest offset the even READ/UPDATE BINARY instructions can address (15 bits of P1-P2). */
    static final int MAX_EVEN_OFFSET = 0x7FFF;
    /** The buffer a READ of several APDUs starts with; it grows (doubling) as the card delivers. */
    static final int INITIAL_READ_BUFFER = 65536;

    private static final int CLA = 0x00;
    private static final int INS_SELECT = 0xA4;
    private static final int INS_READ_BINARY = 0xB0;
    private static final int INS_READ_BINARY_ODD = 0xB1;
    private static final int INS_UPDATE_BINARY = 0xD6;
    private static final int INS_UPDATE_BINARY_ODD = 0xD7;
    private static final int INS_READ_RECORD = 0xB2;
    private static final int INS_UPDATE_RECORD = 0xDC;
    private static final int INS_APPEND_RECORD = 0xE2;
    private static final int INS_CREATE_FILE = 0xE0;
    private static final int INS_DELETE_FILE = 0xE4;
    private static final int INS_DEACTIVATE_FILE = 0x04;
    private static final int INS_ACTIVATE_FILE = 0x44;
    /** The file descriptor byte of a working transparent EF (ISO 7816-4 table 12). */
    private static final byte TRANSPARENT_DESCRIPTOR = 0x01;
    /** The answers to DELETE FILE with a file identifier that mean "not this form" (see {@link #deleteFile}). */
    private static final Set<Integer> DELETE_FORM_REFUSED = Set.of(StatusWords.WRONG_LENGTH,
            StatusWords.INCORRECT_DATA, StatusWords.FUNCTION_NOT_SUPPORTED, StatusWords.INCORRECT_P1_P2,
            StatusWords.WRONG_P1_P2, StatusWords.INS_NOT_SUPPORTED);

    private final CardChannel card;
    /** Who made a selection recorded in {@link #card}: this object (a token, so the record does not hold it). */
    private final Object token = new Object();
    private final Listing listing;
    /** The current directory, absolute: starts at the MF. */
    private List<Integer> currentDir = List.of(CardPath.MF);
    /** The file GetFileCapabilities reports on: the last one opened or changed to. */
    private List<Integer> currentFile = List.of(CardPath.MF);
    private final Map<Long, OpenFile> files = new HashMap<>();
    private long nextHandle = 1;
    /** Set once the card refused SELECT by path ({@code P1=08}); then files are selected one level at a time. */
    private boolean stepwiseSelect;
    /** The path of the last SELECT by path with the FCP, and its command (never changed once built). */
    private List<Integer> lastSelected = List.of();
    private byte[] lastSelectCommand;
    /** Set once the card refused DELETE FILE with the file identifier in the data: the no-data form from then on. */
    private boolean deleteCurrentFileOnly;

    /** An open file: where it is and where its position stands, and what its last SELECT said about it. */
    private static final class OpenFile {
        final List<Integer> path;
        final String name;
        Fcp fcp;
        /** The record count: the FCP's, or what this interface appended since (the FCP is not selected again). */
        long recordCount;
        long position;
        /**
         * What the card's answers showed of a file whose FCP gives no structure (see {@link #structureUnknown}):
         * true when it refused READ/UPDATE BINARY with {@code 6981} (records), false when one of them worked
         * (transparent), null before.
         */
        Boolean recordsLearned;

        OpenFile(List<Integer> path, Fcp fcp) {
            this.path = path;
            this.name = CardPath.format(path);
            fcp(fcp);
        }

        /** Takes what a fresh SELECT said. */
        void fcp(Fcp fresh) {
            this.fcp = fresh;
            this.recordCount = fresh.recordCount();
        }

        boolean records() {
            return fcp.descriptor() >= 0 ? fcp.isRecordFile() : Boolean.TRUE.equals(recordsLearned);
        }

        /**
         * Whether neither the FCP (none, as cards that answer SELECT with the status word alone give, or one without
         * a file descriptor) nor the card's answers so far tell the EF's structure: then a read or write tries the
         * transparent form first and the record form on {@code 6981} (command incompatible with file structure).
         */
        boolean structureUnknown() {
            return fcp.descriptor() < 0 && !fcp.isDf() && recordsLearned == null;
        }

        /** The end of the file in its units (bytes or records), or -1 when the FCP does not tell. */
        long limit() {
            return records() ? recordCount : fcp.size();
        }
    }

    /** What a SELECT found. */
    private record Selected(List<Integer> path, Fcp fcp, boolean deactivated) {
    }

    IsoFileAccess(ISCardManage manager) {
        this.card = new CardChannel(manager);
        this.listing = new Listing(card, this::rawSelect);
    }

    // ---- directories -----------------------------------------------------------------------------------------

    @Override
    public void changeDir(RefType refType, String newDir) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(refType, newDir);
            List<Integer> target = switch (spec.form()) {
                case IDS -> CardPath.resolve(currentDir, spec);
                case NAME -> resolveName(spec.name(), "cannot change to " + CardPath.quote(newDir));
                case SHORT -> throw new SCardException(HResult.SCARD_E_NO_DIR, "cannot change to " + CardPath.quote(newDir)
                        + ": a short identifier names an EF, not a directory");
            };
            String what = "cannot change to " + CardPath.format(target);
            card.forgetSelection(); // ChangeDir always selects: the way to be sure of the card's current DF
            Selected selected = select(target, true, Kind.DIRECTORY, what);
            if (!selected.fcp().isDf() && !selected.fcp().isEmpty()) {
                throw new SCardException(HResult.SCARD_E_NO_DIR, what + ": it is a file, not a directory");
            }
            if (selected.deactivated()) {
                throw invalidated(what, selected);
            }
            currentDir = target;
            currentFile = target;
        }
    }

    @Override
    public String getCurrentDir() {
        synchronized (card.manager()) {
            begin();
            return CardPath.format(currentDir);
        }
    }

    @Override
    public List<String> directory(FileType fileType) {
        synchronized (card.manager()) {
            begin();
            if (fileType == null) {
                throw CardChannel.invalid("file type must not be null");
            }
            String what = "cannot list " + CardPath.format(currentDir);
            Selected dir = select(currentDir, true, Kind.DIRECTORY, what);
            if (dir.deactivated()) {
                throw invalidated(what, dir);
            }
            List<Listing.Entry> children;
            try {
                children = listing.children(currentDir, what);
            } finally {
                restoreCurrentDir();
            }
            List<String> names = new ArrayList<>();
            for (Listing.Entry child : children) {
                if (matches(fileType, child)) {
                    names.add(String.format("%04X", child.fid()));
                }
            }
            return names;
        }
    }

    private static boolean matches(FileType wanted, Listing.Entry child) {
        return switch (wanted) {
            case ALL_FILES -> true;
            case DIRECTORIES, DIRECTORY_FILE -> child.directory();
            case FILES -> !child.directory();
            default -> !child.directory() && child.type() == wanted;
        };
    }

    // ---- open, close, read, write, seek ----------------------------------------------------------------------

    @Override
    public long open(RefType refType, String pathSpec) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(refType, pathSpec);
            String what = "cannot open " + CardPath.quote(pathSpec);
            List<Integer> target = target(spec, what);
            what = "cannot open " + CardPath.format(target);
            Selected selected = select(target, true, Kind.FILE, what);
            if (selected.fcp().isDf()) {
                throw new SCardException(HResult.SCARD_E_NO_FILE, what + ": it is a directory, not a file");
            }
            if (selected.deactivated()) {
                throw invalidated(what, selected);
            }
            if (files.size() >= MAX_OPEN_FILES) {
                throw new SCardException(HResult.E_OUTOFMEMORY, what + ": " + MAX_OPEN_FILES
                        + " files are open through this interface already; close some");
            }
            long handle = nextHandle++;
            files.put(handle, new OpenFile(target, selected.fcp()));
            currentFile = target;
            return handle;
        }
    }

    @Override
    public void close(long fileHandle) {
        synchronized (card.manager()) {
            begin();
            file(fileHandle);
            files.remove(fileHandle);
        }
    }

    @Override
    public byte[] read(long fileHandle, int bytesToRead, Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            OpenFile file = file(fileHandle);
            CardChannel.checkFlags(flags);
            if (bytesToRead < 0) {
                throw CardChannel.invalid("cannot read " + file.name + ": bytes to read must not be negative, was "
                        + bytesToRead);
            }
            String what = "cannot read " + file.name;
            refresh(file, Kind.READ, what);
            return file.records() ? readRecord(file, bytesToRead, what) : readBinary(file, bytesToRead, what);
        }
    }

    private byte[] readBinary(OpenFile file, int bytesToRead, String what) {
        long size = file.fcp.size();
        long position = file.position;
        if (size >= 0 && position >= size) {
            throw endOfFile(what, position, size + " bytes");
        }
        long available = size >= 0 ? size - position : Long.MAX_VALUE;
        long wanted = bytesToRead == 0 ? available : Math.min(bytesToRead, available);
        if (wanted > Integer.MAX_VALUE - 8) {
            wanted = Integer.MAX_VALUE - 8;
        }
        // Every byte is copied once: straight out of the answer when one APDU brings everything (the usual case with
        // extended lengths), else into a result allocated once (size known) or grown.
        byte[] result = null;
        int done = 0;
        while (done < wanted) {
            long offset = position + done;
            boolean odd = offset > MAX_EVEN_OFFSET;
            int room = card.extendedAllowed() ? MAX_EXTENDED_CHUNK : (odd ? CommandApdu.MAX_SHORT_NE - 4 : CommandApdu.MAX_SHORT_NE);
            int chunk = (int) Math.min(wanted - done, room);
            Apdu.Response response = readChunk(offset, chunk);
            if (response == null) {
                continue; // extended APDUs refused: short ones from now on
            }
            int sw = response.sw();
            if (sw == StatusWords.WRONG_P1_P2 && done > 0) {
                break; // the end, found where the FCP did not say
            }
            if (sw == StatusWords.INCOMPATIBLE_FILE_STRUCTURE && done == 0 && file.structureUnknown()) {
                file.recordsLearned = Boolean.TRUE; // no FCP told it: a record file, the position a record index
                return readRecord(file, bytesToRead, what);
            }
            if (sw != StatusWords.OK && sw != StatusWords.END_OF_FILE) {
                throw StatusWordErrors.failure(sw, Kind.READ, what + " at offset " + offset);
            }
            int from = 0;
            int got = response.length();
            if (odd) {
                int[] value = oddDataValue(response, what);
                from = value[0];
                got = value[1];
            }
            int take = (int) Math.min(got, wanted - done);
            if (result == null && (take == wanted || got < chunk || sw == StatusWords.END_OF_FILE)) {
                result = response.copyOfRange(from, take);
                done = take;
                break;
            }
            if (result == null) {
                // Start small and grow: the FCP's size (up to 2 GB) is the card's claim, not yet data.
                result = new byte[(int) Math.min(wanted, INITIAL_READ_BUFFER)];
            } else if (done + take > result.length) {
                result = Arrays.copyOf(result, (int) Math.min(wanted, Math.max(2L * result.length, done + take)));
            }
            response.copy(from, result, done, take);
            done += take;
            if (got < chunk || sw == StatusWords.END_OF_FILE) {
                break;
            }
        }
        if (done == 0) {
            throw endOfFile(what, position, size >= 0 ? size + " bytes" : "an unknown number of bytes");
        }
        if (done < result.length) {
            result = Arrays.copyOf(result, done);
        }
        if (file.structureUnknown()) {
            file.recordsLearned = Boolean.FALSE; // READ BINARY worked: transparent
        }
        file.position = position + done;
        return result;
    }

    /**
     * One READ BINARY of up to {@code chunk} bytes at {@code offset}: extended when it pays, odd beyond 32767; null
     * when the card or reader refused an extended APDU (the caller retries in short pieces).
     */
    private Apdu.Response readChunk(long offset, int chunk) {
        boolean odd = offset > MAX_EVEN_OFFSET;
        int ne = odd ? chunk + 4 : chunk; // B1 wraps the data in DO 53
        byte[] command = readBinaryCommand(offset, ne, odd);
        return ne > CommandApdu.MAX_SHORT_NE ? card.sendExtended(command) : card.send(command);
    }

    private static byte[] readBinaryCommand(long offset, int ne, boolean odd) {
        if (!odd) {
            return CommandApdu.encode(CLA, INS_READ_BINARY, (int) (offset >> 8), (int) offset, null, ne);
        }
        return CommandApdu.encode(CLA, INS_READ_BINARY_ODD, 0x00, 0x00, BerTlv.encode(0x54, BerTlv.unsigned(offset)), ne);
    }

    /**
     * Where the data of an odd-instruction answer lies: the value of its discretionary data object {@code 53}, as
     * {offset, length} in the response (an empty answer is no data).
     */
    private static int[] oddDataValue(Apdu.Response response, String what) {
        int n = response.length();
        if (n == 0) {
            return new int[] {0, 0};
        }
        if (n >= 2 && response.byteAt(0) == 0x53) {
            int first = response.byteAt(1);
            int header = 2;
            int length = first;
            if (first > 0x80 && first <= 0x83 && n >= 2 + first - 0x80) {
                header = 2 + first - 0x80;
                length = 0;
                for (int i = 2; i < header; i++) {
                    length = (length << 8) | response.byteAt(i);
                }
            } else if (first >= 0x80) {
                header = -1;
            }
            if (header > 0 && header + length == n) {
                return new int[] {header, length};
            }
        }
        throw new SCardException(HResult.SCARD_E_UNEXPECTED, what + ": the card's odd-instruction READ BINARY"
                + " answer is not a data object 53");
    }

    private byte[] readRecord(OpenFile file, int bytesToRead, String what) {
        long count = file.recordCount;
        long position = file.position;
        if (count >= 0 && position >= count) {
            throw endOfFile(what, position, count + " records");
        }
        if (position > 253) {
            throw endOfFile(what, position, "at most 254 addressable records");
        }
        int recordSize = file.fcp.maxRecordSize();
        int ne = recordSize > CommandApdu.MAX_SHORT_NE && card.extendedAllowed() ? recordSize : CommandApdu.MAX_SHORT_NE;
        byte[] command = CommandApdu.encode(CLA, INS_READ_RECORD, (int) position + 1, 0x04, null, ne);
        Apdu.Response response = ne > CommandApdu.MAX_SHORT_NE ? card.sendExtended(command) : card.send(command);
        if (response == null) {
            response = card.send(CommandApdu.encode(CLA, INS_READ_RECORD, (int) position + 1, 0x04, null,
                    CommandApdu.MAX_SHORT_NE));
        }
        int sw = response.sw();
        if (sw != StatusWords.OK && sw != StatusWords.END_OF_FILE) {
            throw StatusWordErrors.failure(sw, Kind.READ, what + " record " + (position + 1));
        }
        byte[] record = response.data();
        file.position = position + 1;
        return bytesToRead > 0 && bytesToRead < record.length ? Arrays.copyOf(record, bytesToRead) : record;
    }

    private static SCardException endOfFile(String what, long position, String size) {
        return new SCardException(HResult.SCARD_W_EOF, what + ": the position " + position
                + " is at the end of the file (" + size + ")");
    }

    @Override
    public void write(long fileHandle, byte[] data, Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            OpenFile file = file(fileHandle);
            CardChannel.checkFlags(flags);
            if (data == null) {
                throw CardChannel.invalid("cannot write to " + file.name + ": data must not be null");
            }
            if (data.length == 0) {
                return;
            }
            String what = "cannot write " + data.length + " bytes to " + file.name;
            refresh(file, Kind.WRITE, what);
            if (file.records()) {
                writeRecord(file, data, what);
            } else {
                long size = file.fcp.size();
                if (size >= 0 && file.position + data.length > size) {
                    throw new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, what + " at position " + file.position
                            + ": the file has " + size + " bytes, room for " + Math.max(0, size - file.position));
                }
                boolean unknown = file.structureUnknown();
                if (!updateBinary(file.position, data, what, unknown)) {
                    file.recordsLearned = Boolean.TRUE; // the card refused UPDATE BINARY with 6981: records
                    writeRecord(file, data, what);
                    return;
                }
                if (unknown) {
                    file.recordsLearned = Boolean.FALSE;
                }
                file.position += data.length;
            }
        }
    }

    /** UPDATE BINARY of {@code data} at {@code offset} into the selected EF, in as few APDUs as the card takes. */
    private void updateBinary(long offset, byte[] data, String what) {
        updateBinary(offset, data, what, false);
    }

    /**
     * {@link #updateBinary(long, byte[], String)}; with {@code structureUnknown}, false (nothing written) when the
     * card answers the first APDU with {@code 6981} (command incompatible with file structure): a record file.
     */
    private boolean updateBinary(long offset, byte[] data, String what, boolean structureUnknown) {
        int done = 0;
        while (done < data.length) {
            long at = offset + done;
            boolean odd = at > MAX_EVEN_OFFSET;
            int room = card.extendedAllowed() ? MAX_EXTENDED_CHUNK : (odd ? CommandApdu.MAX_SHORT_NC - 10
                    : CommandApdu.MAX_SHORT_NC);
            int chunk = Math.min(data.length - done, room);
            byte[] piece = Arrays.copyOfRange(data, done, done + chunk);
            byte[] command = updateBinaryCommand(at, piece, odd);
            Apdu.Response response;
            if (command.length > 4 + 1 + CommandApdu.MAX_SHORT_NC) {
                response = card.sendExtended(command);
                if (response == null) {
                    continue; // short only from now on: the next round sends a smaller piece
                }
            } else {
                response = card.send(command);
            }
            if (structureUnknown && done == 0 && response.sw() == StatusWords.INCOMPATIBLE_FILE_STRUCTURE) {
                return false;
            }
            if (!response.ok()) {
                throw StatusWordErrors.failure(response.sw(), Kind.WRITE, what + " at offset " + at);
            }
            done += chunk;
        }
        return true;
    }

    private static byte[] updateBinaryCommand(long offset, byte[] piece, boolean odd) {
        if (!odd) {
            return CommandApdu.encode(CLA, INS_UPDATE_BINARY, (int) (offset >> 8), (int) offset, piece, 0);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(piece.length + 10);
        BerTlv.write(body, 0x54, BerTlv.unsigned(offset));
        BerTlv.write(body, 0x53, piece);
        return CommandApdu.encode(CLA, INS_UPDATE_BINARY_ODD, 0x00, 0x00, body.toByteArray(), 0);
    }

    private void writeRecord(OpenFile file, byte[] data, String what) {
        FileType type = Listing.fileType(file.fcp);
        int recordSize = file.fcp.maxRecordSize();
        if (recordSize >= 0 && data.length > recordSize) {
            throw new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, what + ": its records hold at most "
                    + recordSize + " bytes");
        }
        if (data.length > CommandApdu.MAX_EXTENDED_NC) {
            throw new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, what + ": a record is written with one APDU,"
                    + " which carries at most " + CommandApdu.MAX_EXTENDED_NC + " bytes");
        }
        if ((type == FileType.FIXED_EF || type == FileType.CYCLIC_EF) && recordSize >= 0
                && data.length != recordSize) {
            throw CardChannel.invalid(what + ": its records have exactly " + recordSize + " bytes");
        }
        long count = file.recordCount;
        long position = file.position;
        byte[] command;
        String where;
        if (count < 0 || position < count) {
            if (position > 253) {
                throw new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, what + ": record " + (position + 1)
                        + " cannot be addressed");
            }
            command = CommandApdu.encode(CLA, INS_UPDATE_RECORD, (int) position + 1, 0x04, data, 0);
            where = " (record " + (position + 1) + ")";
        } else {
            command = CommandApdu.encode(CLA, INS_APPEND_RECORD, 0x00, 0x00, data, 0);
            where = " (a new record)";
        }
        Apdu.Response response = card.send(command);
        if (!response.ok()) {
            throw StatusWordErrors.failure(response.sw(), Kind.WRITE, what + where);
        }
        if (command[1] == (byte) INS_APPEND_RECORD) {
            if (type == FileType.CYCLIC_EF) {
                // The new record is record 1 (the oldest one went): the position stands after it, as after any
                // write; the count stays.
                file.position = 1;
            } else {
                // One record more: the cached count must follow, or a seek from the end (and the next write at the
                // end) would miss the record just appended.
                file.recordCount = (count < 0 ? position : count) + 1;
                file.position = file.recordCount;
            }
            return;
        }
        file.position = position + 1;
    }

    @Override
    public long seek(long fileHandle, SeekOrigin origin, long offset) {
        synchronized (card.manager()) {
            begin();
            OpenFile file = file(fileHandle);
            if (origin == null) {
                throw CardChannel.invalid("cannot seek in " + file.name + ": origin must not be null");
            }
            long limit = file.limit();
            String unit = file.records() ? " records" : " bytes";
            long base = switch (origin) {
                case FROM_BEGINNING -> 0;
                case RELATIVE -> file.position;
                case FROM_END -> {
                    if (limit < 0) {
                        throw new SCardException(HResult.SCARD_E_BAD_SEEK, "cannot seek in " + file.name
                                + " from the end: the card does not tell its size");
                    }
                    yield limit;
                }
            };
            long target;
            try {
                target = Math.addExact(base, offset);
            } catch (ArithmeticException e) {
                target = -1;
            }
            if (target < 0 || (limit >= 0 && target > limit)) {
                throw new SCardException(HResult.SCARD_E_BAD_SEEK, "cannot seek in " + file.name + " to " + origin
                        + " " + offset + ": the position must stay within 0 to "
                        + (limit >= 0 ? limit + unit : "the end"));
            }
            file.position = target;
            return target;
        }
    }

    // ---- properties ------------------------------------------------------------------------------------------

    @Override
    public List<Tlv> getFileCapabilities(List<Tlv> query, Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            CardChannel.checkFlags(flags);
            if (query == null) {
                throw CardChannel.invalid("query must not be null (an empty list asks for every property)");
            }
            int[] tags = new int[query.size()];
            for (int i = 0; i < tags.length; i++) {
                Tlv entry = query.get(i);
                if (entry == null) {
                    throw CardChannel.invalid("query must not contain null");
                }
                tags[i] = entry.tag();
            }
            String what = "cannot get the properties of " + CardPath.format(currentFile);
            return entries(learnedStructure(select(currentFile, true, Kind.FILE, what).fcp()), tags, what);
        }
    }

    @Override
    public List<Tlv> getProperties(RefType refType, String pathSpec, Set<SCardFlag> flags,
            int... tags) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(refType, pathSpec);
            CardChannel.checkFlags(flags);
            if (tags == null) {
                throw CardChannel.invalid("tags must not be null (none asks for every property)");
            }
            String what = "cannot get the properties of " + CardPath.quote(pathSpec);
            List<Integer> target = target(spec, what);
            what = "cannot get the properties of " + CardPath.format(target);
            return entries(select(target, true, Kind.FILE, what).fcp(), tags, what);
        }
    }

    /**
     * The current file's FCP as the card gave it, with one addition: when the card gave no file descriptor
     * ({@code 82}) and the file is open here and READ BINARY or UPDATE BINARY worked on it, the descriptor
     * {@code 82 01 01} (a transparent EF) goes first, as the card's answer proved it. A file the card showed to
     * hold records ({@code 6981} to READ/UPDATE BINARY) gets none: which record structure (linear fixed, linear
     * variable, cyclic) it has, its answers do not tell. Nothing tried yet: nothing added, the structure is unknown.
     */
    private Fcp learnedStructure(Fcp fcp) {
        if (fcp.descriptor() >= 0 || fcp.isDf()) {
            return fcp;
        }
        for (OpenFile file : files.values()) {
            if (file.path.equals(currentFile) && Boolean.FALSE.equals(file.recordsLearned)) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                BerTlv.write(body, Fcp.TAG_DESCRIPTOR, new byte[] {TRANSPARENT_DESCRIPTOR});
                for (int i = 0; i < fcp.count(); i++) {
                    BerTlv.write(body, fcp.tagAt(i), fcp.valueAt(i));
                }
                return Fcp.ofObjects(body.toByteArray());
            }
        }
        return fcp;
    }

    private static List<Tlv> entries(Fcp fcp, int[] tags, String what) {
        if (tags.length == 0) {
            List<Tlv> all = new ArrayList<>(fcp.count());
            for (int i = 0; i < fcp.count(); i++) {
                all.add(Tlv.of(fcp.tagAt(i), fcp.valueAt(i)));
            }
            return all;
        }
        List<Tlv> result = new ArrayList<>(tags.length);
        for (int tag : tags) {
            if (tag <= 0 || tag > 0xFFFFFF) {
                throw CardChannel.invalid(what + String.format(": tag 0x%X is out of range", tag));
            }
            byte[] value = fcp.value(tag);
            result.add(value == null ? Tlv.missing(tag) : Tlv.of(tag, value));
        }
        return result;
    }

    @Override
    public void setProperties(RefType refType, String pathSpec, List<Tlv> properties,
            Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(refType, pathSpec);
            CardChannel.checkFlags(flags);
            if (properties == null) {
                throw CardChannel.invalid("properties must not be null");
            }
            String what = "cannot set the properties of " + CardPath.quote(pathSpec);
            Boolean activate = null;
            for (Tlv property : properties) {
                if (property == null) {
                    throw CardChannel.invalid(what + ": properties must not contain null");
                }
                if (property.tag() != Fcp.TAG_LIFE_CYCLE) {
                    throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, what + String.format(": ISO 7816-4 has"
                            + " no command to change FCP tag %X; only the life cycle status 8A (05 activated, 04"
                            + " deactivated) can be set", property.tag()));
                }
                byte[] value = property.value();
                if (!property.valid() || value.length != 1) {
                    throw CardChannel.invalid(what + ": the life cycle status 8A takes one byte");
                }
                activate = switch (value[0] & 0xFF) {
                    case 0x05, 0x07 -> Boolean.TRUE;
                    case 0x04, 0x06 -> Boolean.FALSE;
                    default -> throw CardChannel.invalid(what + String.format(": life cycle status %02X cannot be set;"
                            + " use 05 (activated) or 04 (deactivated)", value[0] & 0xFF));
                };
            }
            List<Integer> target = target(spec, what);
            if (activate != null) {
                lifeCycle(target, activate, (activate ? "cannot rehabilitate " : "cannot invalidate ")
                        + CardPath.format(target));
            } else {
                select(target, false, Kind.FILE, "cannot set the properties of " + CardPath.format(target));
            }
        }
    }

    // ---- create, delete, invalidate, rehabilitate ------------------------------------------------------------

    @Override
    public void create(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags,
            byte[] initialData) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(refType, pathSpec);
            CardChannel.checkFlags(flags);
            String what = "cannot create " + CardPath.quote(pathSpec);
            if (properties == null) {
                throw CardChannel.invalid(what + ": properties must not be null");
            }
            boolean preallocate = flags.contains(SCardFlag.PREALLOCATE);
            if (preallocate && initialData == null) {
                throw CardChannel.invalid(what + ": PREALLOCATE needs initial data");
            }
            if (!preallocate && initialData != null && initialData.length > 0) {
                throw CardChannel.invalid(what + ": initial data is written only with SCardFlag.PREALLOCATE");
            }
            Map<Integer, byte[]> fcp = new LinkedHashMap<>();
            for (Tlv property : properties) {
                if (property == null) {
                    throw CardChannel.invalid(what + ": properties must not contain null");
                }
                if (!BerTlv.validTag(property.tag()) || property.tag() == Fcp.TEMPLATE_FCP) {
                    throw CardChannel.invalid(what + String.format(": %X is not an FCP entry tag (give the entries of"
                            + " template 62, not the template)", property.tag()));
                }
                if (fcp.put(property.tag(), property.value()) != null) {
                    throw CardChannel.invalid(what + String.format(": tag %X is given twice", property.tag()));
                }
            }
            List<Integer> parent;
            int fid;
            switch (spec.form()) {
                case IDS -> {
                    List<Integer> target = CardPath.resolve(currentDir, spec);
                    if (target.size() < 2) {
                        throw CardChannel.invalid(what + ": the MF cannot be created");
                    }
                    parent = CardPath.parent(target);
                    fid = target.get(target.size() - 1);
                    if (fid == CardPath.MF) {
                        throw CardChannel.invalid(what + ": 3F00 is the MF's file identifier");
                    }
                    byte[] given = fcp.get(Fcp.TAG_FID);
                    if (given != null && !Arrays.equals(given, new byte[] {(byte) (fid >> 8), (byte) fid})) {
                        throw CardChannel.invalid(what + ": property 83 (file identifier) "
                                + HexFormat.of().withUpperCase().formatHex(given) + " contradicts the path");
                    }
                    fcp.put(Fcp.TAG_FID, new byte[] {(byte) (fid >> 8), (byte) fid});
                }
                case NAME -> {
                    byte[] given = fcp.get(Fcp.TAG_FID);
                    if (given == null || given.length != 2) {
                        throw CardChannel.invalid(what + ": a DF created by name needs property 83 (its 2-byte file"
                                + " identifier)");
                    }
                    byte[] name = fcp.get(Fcp.TAG_DF_NAME);
                    if (name != null && !Arrays.equals(name, spec.name())) {
                        throw CardChannel.invalid(what + ": property 84 (DF name) contradicts the path");
                    }
                    fcp.put(Fcp.TAG_DF_NAME, spec.name());
                    parent = currentDir;
                    fid = ((given[0] & 0xFF) << 8) | (given[1] & 0xFF);
                    if (fid == CardPath.MF || fid == 0x3FFF || fid == 0xFFFF) {
                        throw CardChannel.invalid(what + String.format(": property 83 gives the reserved file identifier"
                                + " %04X", fid));
                    }
                }
                default -> throw CardChannel.invalid(what + ": a new file is named by its file identifier (BY_ID) or,"
                        + " for a DF, by its name (BY_NAME); a short identifier goes into property 88");
            }
            if (!fcp.containsKey(Fcp.TAG_DESCRIPTOR)) {
                throw CardChannel.invalid(what + ": properties need a file descriptor (tag 82)");
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (Map.Entry<Integer, byte[]> entry : fcp.entrySet()) {
                BerTlv.write(body, entry.getKey(), entry.getValue());
            }
            Fcp planned;
            try {
                planned = Fcp.ofObjects(body.toByteArray());
            } catch (IllegalArgumentException e) {
                throw CardChannel.invalid(what + ": the properties do not make an FCP (" + e.getMessage() + ")");
            }
            List<Integer> target = CardPath.child(parent, fid);
            what = "cannot create " + CardPath.format(target);
            boolean writeData = preallocate && initialData.length > 0;
            if (writeData) {
                if (Listing.fileType(planned) != FileType.TRANSPARENT_EF) {
                    throw CardChannel.invalid(what + ": initial data can be written only into a transparent EF");
                }
                long size = planned.size() >= 0 ? planned.size() : BerTlv.number(fcp.getOrDefault(Fcp.TAG_TOTAL_SIZE,
                        new byte[0]));
                if (size >= 0 && initialData.length > size) {
                    throw new SCardException(HResult.SCARD_E_WRITE_TOO_MANY, what + ": " + initialData.length
                            + " bytes of initial data do not fit into its " + size + " bytes");
                }
            }
            byte[] template = BerTlv.encode(Fcp.TEMPLATE_FCP, body.toByteArray());
            if (template.length > CommandApdu.MAX_EXTENDED_NC) {
                throw CardChannel.invalid(what + ": the FCP has " + template.length + " bytes, more than one APDU ("
                        + CommandApdu.MAX_EXTENDED_NC + " bytes) carries");
            }
            if (template.length > CommandApdu.MAX_SHORT_NC && !card.extendedAllowed()) {
                throw CardChannel.invalid(what + ": the FCP has " + template.length + " bytes, more than a short APDU"
                        + " carries");
            }
            Selected dir = select(parent, true, Kind.DIRECTORY, what);
            if (!dir.fcp().isDf() && !dir.fcp().isEmpty()) {
                throw new SCardException(HResult.SCARD_E_NO_DIR, what + ": " + CardPath.format(parent)
                        + " is not a directory");
            }
            Apdu.Response response = card.send(CommandApdu.encode(CLA, INS_CREATE_FILE, 0x00, 0x00, template, 0));
            if (!response.ok()) {
                throw StatusWordErrors.failure(response.sw(), Kind.CREATE, what);
            }
            if (writeData) {
                String writing = "created " + CardPath.format(target) + " but cannot write its initial data";
                select(target, false, Kind.FILE, writing);
                updateBinary(0, initialData, writing);
            }
        }
    }

    @Override
    public void delete(RefType refType, String pathSpec, Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(refType, pathSpec);
            CardChannel.checkFlags(flags);
            String what = "cannot delete " + CardPath.quote(pathSpec);
            if (flags.contains(SCardFlag.RECURSIVE) && flags.contains(SCardFlag.NON_RECURSIVE)) {
                throw CardChannel.invalid(what + ": RECURSIVE and NON_RECURSIVE exclude each other");
            }
            List<Integer> target = target(spec, what);
            what = "cannot delete " + CardPath.format(target);
            if (target.size() < 2) {
                throw CardChannel.invalid(what + ": the MF cannot be deleted");
            }
            Selected selected = select(target, true, Kind.FILE, what);
            boolean df = selected.fcp().isDf();
            if (df && !flags.contains(SCardFlag.RECURSIVE)) {
                boolean children = listing.hasChildren(target, what + " without SCardFlag.RECURSIVE");
                listing.takeSelectionMoved(); // what is selected next is chosen below
                if (children) {
                    rawSelect(currentDir, false); // not deleted: the current DF is the card's current DF again
                    throw CardChannel.invalid(what + ": the directory is not empty; delete it with"
                            + " SCardFlag.RECURSIVE");
                }
            }
            deleteFile(target, df, what);
            if (startsWith(currentDir, target)) {
                currentDir = CardPath.parent(target);
            }
            if (startsWith(currentFile, target)) {
                currentFile = currentDir;
            }
        }
    }

    /**
     * DELETE FILE naming the file by its identifier in the data ({@code 00 E4 00 00 02 <fid>}, ISO 7816-4), sent with
     * the file's DF as the card's current DF: an EF is selected already (selecting it made its DF the current one),
     * a DF's parent is selected first. The form without data ("the current file") is used only on a card that
     * refused the named form ({@code 6700}, {@code 6A80}, {@code 6A81}, {@code 6A86}, {@code 6B00}, {@code 6D00}):
     * it is remembered, and the file itself is selected before it. Naming the file keeps a card that reads the
     * no-data form otherwise (one took it for "delete the MF") from deleting the wrong file.
     */
    private void deleteFile(List<Integer> target, boolean df, String what) {
        int fid = target.get(target.size() - 1);
        Apdu.Response response = null;
        if (!deleteCurrentFileOnly) {
            List<Integer> parent = CardPath.parent(target);
            if (df || !card.isSelected(target)) {
                select(df ? parent : target, false, Kind.FILE, what);
            }
            response = card.send(CommandApdu.encode(CLA, INS_DELETE_FILE, 0x00, 0x00, fid(fid), 0));
            if (DELETE_FORM_REFUSED.contains(response.sw())) {
                deleteCurrentFileOnly = true;
                response = null;
            }
        }
        if (response == null) {
            select(target, false, Kind.FILE, what);
            response = card.send(CommandApdu.encode(CLA, INS_DELETE_FILE, 0x00, 0x00, null, 0));
        }
        if (!response.ok()) {
            throw StatusWordErrors.failure(response.sw(), Kind.FILE, what);
        }
    }

    private static boolean startsWith(List<Integer> path, List<Integer> prefix) {
        return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
    }

    @Override
    public void invalidate(String pathSpec, Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(RefType.BY_ANY, pathSpec);
            CardChannel.checkFlags(flags);
            List<Integer> target = target(spec, "cannot invalidate " + CardPath.quote(pathSpec));
            lifeCycle(target, false, "cannot invalidate " + CardPath.format(target));
        }
    }

    @Override
    public void rehabilitate(String pathSpec, Set<SCardFlag> flags) {
        synchronized (card.manager()) {
            begin();
            CardPath.Spec spec = CardPath.parse(RefType.BY_ANY, pathSpec);
            CardChannel.checkFlags(flags);
            List<Integer> target = target(spec, "cannot rehabilitate " + CardPath.quote(pathSpec));
            lifeCycle(target, true, "cannot rehabilitate " + CardPath.format(target));
        }
    }

    /** Selects {@code target} and sends ACTIVATE FILE or DEACTIVATE FILE for it. */
    private void lifeCycle(List<Integer> target, boolean activate, String what) {
        select(target, false, Kind.FILE, what);
        Apdu.Response response = card.send(CommandApdu.encode(CLA, activate ? INS_ACTIVATE_FILE : INS_DEACTIVATE_FILE,
                0x00, 0x00, null, 0));
        if (!response.ok()) {
            throw StatusWordErrors.failure(response.sw(), Kind.OTHER, what);
        }
    }

    // ---- handles, paths, selection ---------------------------------------------------------------------------

    /**
     * Starts a call: the recorded selection is kept across calls only when this object made it, the manager holds
     * the lock and the selected file is open here (see the class description).
     */
    private void begin() {
        card.begin(token, this::isOpen);
    }

    private boolean isOpen(List<Integer> path) {
        for (OpenFile file : files.values()) {
            if (file.path.equals(path)) {
                return true;
            }
        }
        return false;
    }

    private OpenFile file(long handle) {
        OpenFile file = files.get(handle);
        if (file == null) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "file handle " + handle
                    + " is not open (never opened through this interface, or closed)");
        }
        return file;
    }

    /** Selects an open file again (fresh FCP); an invalidated file fails. */
    private void refresh(OpenFile file, Kind kind, String what) {
        Selected selected = select(file.path, true, kind, what);
        if (selected.deactivated()) {
            throw invalidated(what, selected);
        }
        file.fcp(selected.fcp());
    }

    private static SCardException invalidated(String what, Selected selected) {
        return new SCardException(HResult.SCARD_E_NO_ACCESS, what + ": " + CardPath.format(selected.path())
                + " is invalidated (deactivated); rehabilitate it first");
    }

    /** The absolute path a parsed path names: resolves {@code ..}, DF names and short identifiers. */
    private List<Integer> target(CardPath.Spec spec, String what) {
        return switch (spec.form()) {
            case IDS -> CardPath.resolve(currentDir, spec);
            case NAME -> resolveName(spec.name(), what);
            case SHORT -> resolveShortId(spec.sfi(), what);
        };
    }

    /**
     * The absolute path of the DF named {@code name}: SELECT by DF name, then up through the parents (SELECT
     * {@code P1=03}) reading each one's file identifier; on cards that cannot select a parent, the DF must be a
     * child of the MF.
     */
    private List<Integer> resolveName(byte[] name, String what) {
        String hex = HexFormat.of().withUpperCase().formatHex(name);
        Apdu.Response response = card.send(CommandApdu.encode(CLA, INS_SELECT, 0x04, 0x04, name, CommandApdu.MAX_SHORT_NE));
        if (response.sw() == StatusWords.FILE_NOT_FOUND) {
            throw StatusWordErrors.notFound(Kind.DIRECTORY, what + ": no DF is named " + hex + " ("
                    + StatusWords.describe(response.sw()) + ")");
        }
        checkSelected(response, Kind.DIRECTORY, what + ": selecting DF name " + hex);
        Fcp fcp = parseFcp(response, what);
        int fid = fcp.fid();
        if (fid < 0) {
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, what + ": the FCP of DF " + hex
                    + " has no file identifier, so it cannot be reached by path");
        }
        List<Integer> reversed = new ArrayList<>();
        reversed.add(fid);
        while (fid != CardPath.MF) {
            if (reversed.size() > CardPath.MAX_DEPTH) {
                throw new SCardException(HResult.SCARD_E_UNEXPECTED, what + ": DF " + hex + " lies deeper than "
                        + CardPath.MAX_DEPTH + " levels");
            }
            Apdu.Response parent = card.send(CommandApdu.encode(CLA, INS_SELECT, 0x03, 0x04, null, CommandApdu.MAX_SHORT_NE));
            if (!parent.ok() && parent.sw() != StatusWords.SELECTED_FILE_DEACTIVATED) {
                return nameUnderMf(name, fid, what, hex);
            }
            fid = parseFcp(parent, what).fid();
            if (fid < 0) {
                return nameUnderMf(name, reversed.get(reversed.size() - 1), what, hex);
            }
            reversed.add(fid);
        }
        List<Integer> path = new ArrayList<>();
        for (int i = reversed.size() - 1; i >= 0; i--) {
            path.add(reversed.get(i));
        }
        return List.copyOf(path);
    }

    private List<Integer> nameUnderMf(byte[] name, int fid, String what, String hex) {
        List<Integer> guess = List.of(CardPath.MF, fid);
        Apdu.Response response = rawSelect(guess, true);
        if (response.ok() || response.sw() == StatusWords.SELECTED_FILE_DEACTIVATED) {
            byte[] found = parseFcp(response, what).dfName();
            if (found != null && Arrays.equals(found, name)) {
                return guess;
            }
        }
        throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, what + ": cannot tell where DF " + hex
                + " lies in the file tree (the card does not select parent DFs)");
    }

    /** The absolute path of the EF with short identifier {@code sfi} in the current directory. */
    private List<Integer> resolveShortId(int sfi, String what) {
        String dir = CardPath.format(currentDir);
        Selected selected = select(currentDir, true, Kind.DIRECTORY, what);
        if (selected.deactivated()) {
            throw invalidated(what, selected);
        }
        int fid;
        try {
            fid = listing.findShortId(currentDir, sfi, what);
        } finally {
            restoreCurrentDir();
        }
        if (fid >= 0) {
            return CardPath.child(currentDir, fid);
        }
        throw new SCardException(HResult.SCARD_E_FILE_NOT_FOUND, what + String.format(": no EF of %s has the short"
                + " identifier %02X", dir, sfi));
    }

    /**
     * Selects an absolute path, asking for the FCP when {@code withFcp}; on {@code 6A82} finds out which part of the
     * path is missing.
     */
    private Selected select(List<Integer> path, boolean withFcp, Kind kind, String what) {
        Apdu.Response response = card.selectedWithFcp(path);
        if (response == null && !withFcp && card.isSelected(path)) {
            return new Selected(path, Fcp.EMPTY, false);
        }
        if (response == null) {
            response = rawSelect(path, withFcp);
        }
        if (response.sw() == StatusWords.FILE_NOT_FOUND) {
            throw notFound(path, kind == Kind.DIRECTORY, what);
        }
        checkSelected(response, kind, what);
        Fcp fcp = withFcp ? parseFcp(response, what) : Fcp.EMPTY;
        return new Selected(path, fcp, response.sw() == StatusWords.SELECTED_FILE_DEACTIVATED || fcp.isDeactivated());
    }

    private static void checkSelected(Apdu.Response response, Kind kind, String what) {
        if (!response.ok() && response.sw() != StatusWords.SELECTED_FILE_DEACTIVATED) {
            throw StatusWordErrors.failure(response.sw(), kind, what);
        }
    }

    private static Fcp parseFcp(Apdu.Response response, String what) {
        try {
            return response.fcp();
        } catch (IllegalArgumentException e) {
            throw new SCardException(HResult.SCARD_E_UNEXPECTED, what + ": the card's FCP is malformed ("
                    + e.getMessage() + ")");
        }
    }

    /**
     * SELECT by path from the MF, or level by level when the card does not select by path; a selection that
     * succeeded is recorded in the channel (with its answer when it carries the FCP).
     */
    private Apdu.Response rawSelect(List<Integer> path, boolean withFcp) {
        Apdu.Response response = sendSelect(path, withFcp);
        if (response.ok() || response.sw() == StatusWords.SELECTED_FILE_DEACTIVATED) {
            card.selected(path, withFcp ? response : null, token);
        }
        return response;
    }

    private Apdu.Response sendSelect(List<Integer> path, boolean withFcp) {
        int p2 = withFcp ? 0x04 : 0x0C;
        int ne = withFcp ? CommandApdu.MAX_SHORT_NE : 0;
        if (path.size() == 1) {
            return card.send(CommandApdu.encode(CLA, INS_SELECT, 0x00, p2, fid(CardPath.MF), ne));
        }
        if (!stepwiseSelect) {
            byte[] command;
            if (withFcp && path.equals(lastSelected)) {
                command = lastSelectCommand; // the same file again: reading or writing an open file
            } else {
                command = CommandApdu.encode(CLA, INS_SELECT, 0x08, p2, Listing.pathData(path), ne);
                if (withFcp) {
                    lastSelected = path;
                    lastSelectCommand = command;
                }
            }
            Apdu.Response response = card.send(command);
            int sw = response.sw();
            if (sw != StatusWords.INCORRECT_P1_P2 && sw != StatusWords.FUNCTION_NOT_SUPPORTED) {
                return response;
            }
            stepwiseSelect = true;
        }
        Apdu.Response response = null;
        for (int i = 0; i < path.size(); i++) {
            boolean last = i == path.size() - 1;
            response = card.send(CommandApdu.encode(CLA, INS_SELECT, 0x00, last ? p2 : 0x0C, fid(path.get(i)),
                    last ? ne : 0));
            if (!last && !response.ok() && response.sw() != StatusWords.SELECTED_FILE_DEACTIVATED) {
                return response;
            }
        }
        return response;
    }

    /**
     * Selects the current directory again (without the FCP) when listing or probing selected other files, so that
     * the card's current DF is the one {@code ISCardVerify}'s local PINs refer to. A failure here is ignored: the
     * operation's own result counts, and the next operation selects what it needs anyway.
     */
    private void restoreCurrentDir() {
        if (listing.takeSelectionMoved() && !card.isSelected(currentDir)) {
            try {
                rawSelect(currentDir, false);
            } catch (SCardException e) {
                // The attachment ended or the card went: the caller's own failure (if any) says more.
            }
        }
    }

    private static byte[] fid(int fid) {
        return new byte[] {(byte) (fid >> 8), (byte) fid};
    }

    /** Why {@code path} was not found: a missing directory on the way, a file where a directory should be, or it. */
    private SCardException notFound(List<Integer> path, boolean directory, String what) {
        String name = CardPath.format(path);
        String sw = " (" + StatusWords.describe(StatusWords.FILE_NOT_FOUND) + ")";
        // A file of the current directory: no second SELECT to find out whether the directory is there (it was when
        // it became the current one), so that trying identifiers one by one (scard:find) costs one APDU each.
        if (path.size() > 1 && !CardPath.parent(path).equals(currentDir)) {
            List<Integer> parent = CardPath.parent(path);
            Apdu.Response response = rawSelect(parent, true);
            if (response.sw() == StatusWords.FILE_NOT_FOUND) {
                return notFound(parent, true, what);
            }
            if (response.ok() || response.sw() == StatusWords.SELECTED_FILE_DEACTIVATED) {
                if (!parent.equals(currentDir)) {
                    // The parent is selected now: select the current DF again (see restoreCurrentDir).
                    rawSelect(currentDir, false);
                }
                Fcp fcp;
                try {
                    fcp = Fcp.parse(response.data());
                } catch (IllegalArgumentException e) {
                    fcp = Fcp.EMPTY;
                }
                if (!fcp.isEmpty() && !fcp.isDf()) {
                    return new SCardException(HResult.SCARD_E_NO_DIR, what + ": " + CardPath.format(parent)
                            + " is a file, not a directory" + sw);
                }
            }
        }
        return StatusWordErrors.notFound(directory ? Kind.DIRECTORY : Kind.FILE,
                what + ": " + (directory ? "directory " : "file ") + name + " not found" + sw);
    }

    /** For tests: the handles open now. */
    Set<Long> openHandles() {
        synchronized (card.manager()) {
            return new HashSet<>(files.keySet());
        }
    }

    @Override
    public String toString() {
        return "ISO 7816-4 ISCardFileAccess over " + card.manager();
    }
}
