package dev.scard.shell;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;
import dev.scard.shell.text.CommandText;

/**
 * The file commands of the {@code scard:} scope, as opensc-explorer users know them: {@code ls}, {@code cd},
 * {@code pwd}, {@code cat}, {@code info}, {@code update}, {@code create}, {@code rm}, {@code invalidate},
 * {@code rehabilitate}. They work on the card the session is attached to ({@link ScardCommands}) through one
 * {@link ISCardFileAccess} per attachment, made with {@link ISCardManage#createFileAccess()} on first use and
 * dropped with the attachment; its current directory is the shell's.
 *
 * <p><b>Paths</b> are the API's: file identifiers in hex separated by {@code /} ({@code 2F01},
 * {@code 3F00/5015/4401}, relative to the current directory unless they start at {@code 3F00}), {@code ..} for
 * the parent, {@code aid:<hex>} for a DF by name, {@code sfi:<n>} for an EF by short identifier.
 *
 * <p><b>Errors</b> are one line that names the command and the file, the meaning of the card's status word when
 * the service names one, and the contract's code: {@code cat 4402: ... [SCARD_E_NO_ACCESS 0x80100027]}. Data
 * typed in hex is never echoed.
 */
@Component(service = FileCommands.class, immediate = true)
@GogoCommand(scope = "scard", function = {"ls", "find", "cd", "pwd", "cat", "info", "update", "create", "rm", "invalidate",
    "rehabilitate"})
public class FileCommands {

    /** Bytes asked for per read of a transparent file: what one short READ BINARY returns. */
    static final int READ_CHUNK = 256;
    /** The most records {@code cat} reads from one file (ISO 7816-4 record numbers end at 254). */
    static final int MAX_RECORDS = 254;

    /** {@code scard:ls}'s time limit: the well-known identifiers take seconds even on a slow card. */
    static final Duration LS_LIMIT = Duration.ofSeconds(60);
    private static final String LS_LIMIT_TEXT = "60s";
    /** {@code scard:find}'s time limit: a whole range is 65,533 APDUs, about an hour at 20 APDUs a second. */
    static final Duration FIND_LIMIT = Duration.ofMinutes(10);
    private static final String FIND_LIMIT_TEXT = "10m";
    /** How many identifiers {@code scard:find} tries between two progress lines. */
    static final int FIND_PROGRESS = 256;
    /** LIST FILES, Le 00: the card's own listing command, asked to tell whether a listing is complete. */
    private static final byte[] LIST_FILES = {(byte) 0x80, 0x16, 0x00, 0x00, 0x00};

    private static final String PATH = "the file: its identifier (2F01), a path (3F00/5015/4401, .. for the"
            + " parent), aid:<hex> or sfi:<n>";

    private final ScardCommands commands;

    /** @param commands the {@code scard:} commands, which hold the sessions' attachments */
    @Activate
    public FileCommands(@Reference ScardCommands commands) {
        this.commands = commands;
    }

    /** This session's file access, made on first use and kept while the session stays attached. */
    private ISCardFileAccess files(CommandSession session, String context) {
        return commands.perAttachment(session, ISCardFileAccess.class,
                manager -> CardErrors.call(context, manager::createFileAccess));
    }

    // -------------------------------------------------------------------------------------------- browsing

    @Descriptor("list the current directory (Directory): file ID ([DF] in brackets), type (DF, wEF working EF, iEF"
            + " internal EF), size in bytes and structure of each file, like opensc-explorer's ls. On a card without"
            + " LIST FILES (80 16) only well-known file identifiers are tried and the listing says it may be"
            + " incomplete (scard:find scans a range). Ctrl-C stops it; it stops by itself after the time limit")
    public String ls(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor("the time limit: " + Durations.FORMS + "; default " + LS_LIMIT_TEXT)
            @Parameter(names = {"-t", "--time-limit"}, absentValue = "") String limit) {
        Duration time = limit.isEmpty() ? LS_LIMIT : Durations.parse(limit);
        ISCardFileAccess files = files(session, "ls");
        return commands.underLock(session, () -> {
            List<String> names;
            try (TimeLimit watch = new TimeLimit(time)) {
                try {
                    names = files.directory(FileType.ALL_FILES);
                } catch (SCardException e) {
                    throw stopped("ls", e, watch, time);
                }
            }
            String dir = CardErrors.call("ls", files::getCurrentDir);
            String note = listsFiles(session) ? ""
                    : "\nThe card has no LIST FILES (80 16): only well-known file identifiers"
                            + (dir.equals("3F00") ? " and the applications of EF.DIR" : "") + " were tried, so the"
                            + " listing may be incomplete; scard:find <from> <to> scans a range";
            if (names.isEmpty()) {
                return "No files in " + dir + (note.isEmpty() ? "" : " found" + note);
            }
            Set<String> dfs = null; // asked only when an FCP does not tell
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"FileID", "Type", "Size", "Structure"});
            for (String name : names) {
                Fcp fcp;
                try {
                    fcp = Fcp.of(files.getProperties(CardArgs.refType(name), name, SCardFlag.NONE));
                } catch (SCardException e) {
                    fcp = null;
                    if (dfs == null) {
                        dfs = new HashSet<>(CardErrors.call("ls", () -> files.directory(FileType.DIRECTORIES)));
                    }
                    boolean df = dfs.contains(name);
                    rows.add(new String[] {df ? "[" + name + "]" : name, df ? "DF" : "?", "?",
                        "(" + e.code().name() + ")"});
                }
                if (fcp != null) {
                    boolean df = fcp.isDf();
                    String kind = fcp.kind();
                    if (fcp.descriptor() < 0) {
                        if (dfs == null) {
                            dfs = new HashSet<>(CardErrors.call("ls", () -> files.directory(FileType.DIRECTORIES)));
                        }
                        df = dfs.contains(name);
                        kind = df ? "DF" : kind;
                    }
                    rows.add(new String[] {df ? "[" + name + "]" : name, kind, df ? "-" : fcp.sizeText(),
                        fcp.lsDescription()});
                }
            }
            return CommandText.table(rows) + note;
        });
    }

    /**
     * Whether the card lists files itself: LIST FILES ({@code 80 16 00 00 00}) in the current DF answered with
     * {@code 9000}. Otherwise the card services tried well-known identifiers only (and so may have missed files).
     */
    private boolean listsFiles(CommandSession session) {
        try {
            byte[] answer = commands.transmit(session, LIST_FILES.clone());
            return answer.length >= 2 && (answer[answer.length - 2] & 0xFF) == 0x90 && answer[answer.length - 1] == 0;
        } catch (SCardException e) {
            return false;
        }
    }

    /** A listing or scan stopped by Ctrl-C or the time limit, said as such; other failures with their context. */
    private static SCardException stopped(String context, SCardException e, TimeLimit watch, Duration limit) {
        if (e.code() == HResult.SCARD_E_CANCELLED && watch.expired()) {
            return new SCardException(HResult.SCARD_E_TIMEOUT, context + ": stopped after the time limit of "
                    + WatchCommand.describe(limit) + " (the card answers slowly; -t sets a longer limit)");
        }
        if (e.code() == HResult.SCARD_E_CANCELLED) {
            return new SCardException(HResult.SCARD_E_CANCELLED, context + ": interrupted");
        }
        return CardErrors.failure(context, e);
    }

    @Descriptor("look for files in the current directory by trying every file identifier of a range (SELECT each,"
            + " one APDU per identifier): for cards without LIST FILES, where scard:ls may be incomplete. Shows"
            + " progress every 256 identifiers; Ctrl-C or the time limit stops it and it prints what it found")
    public String find(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor("the time limit: " + Durations.FORMS + "; default " + FIND_LIMIT_TEXT)
            @Parameter(names = {"-t", "--time-limit"}, absentValue = "") String limit,
            @Descriptor("the first and last file identifier, four hex digits each (default 0000 FFFE; one"
                    + " identifier: up to FFFE)") String... range) {
        if (range.length > 2) {
            throw ShellFailures.badInput("scard:find takes at most two file identifiers (from and to), not "
                    + range.length);
        }
        int from = range.length > 0 ? fidNumber(range[0], "from") : 0x0000;
        int to = range.length > 1 ? fidNumber(range[1], "to") : 0xFFFE;
        if (to < from) {
            throw ShellFailures.badInput(String.format(Locale.ROOT, "the range %04X-%04X is empty: 'to' is below"
                    + " 'from'", from, to));
        }
        Duration time = limit.isEmpty() ? FIND_LIMIT : Durations.parse(limit);
        ISCardFileAccess files = files(session, "find");
        PrintStream console = console(session);
        return commands.underLock(session, () -> {
            String dir = CardErrors.call("find", files::getCurrentDir);
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"FileID", "Type", "Size", "Structure"});
            int tried = 0;
            String stop = null;
            try (TimeLimit watch = new TimeLimit(time)) {
                for (int fid = from; fid <= to && stop == null; fid++) {
                    if (Thread.currentThread().isInterrupted()) {
                        stop = watch.expired() ? "the time limit of " + WatchCommand.describe(time) + " passed"
                                : "interrupted";
                        break;
                    }
                    if (fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF) {
                        continue;
                    }
                    String name = String.format(Locale.ROOT, "%04X", fid);
                    tried++;
                    try {
                        Fcp fcp = Fcp.of(files.getProperties(RefType.BY_ID, name, SCardFlag.NONE));
                        rows.add(new String[] {fcp.isDf() ? "[" + name + "]" : name, fcp.kind(),
                            fcp.isDf() ? "-" : fcp.sizeText(), fcp.lsDescription()});
                    } catch (SCardException e) {
                        if (e.code() == HResult.SCARD_E_CANCELLED) {
                            stop = watch.expired() ? "the time limit of " + WatchCommand.describe(time) + " passed"
                                    : "interrupted";
                            tried--;
                        } else if (e.code() != HResult.SCARD_E_FILE_NOT_FOUND
                                && e.code() != HResult.SCARD_E_DIR_NOT_FOUND) {
                            if (e.code() == HResult.SCARD_E_INVALID_HANDLE || e.code() == HResult.SCARD_W_REMOVED_CARD
                                    || e.code() == HResult.SCARD_E_NO_SMARTCARD) {
                                throw CardErrors.failure("find " + name, e);
                            }
                            rows.add(new String[] {name, "?", "?", "(" + e.code().name() + ")"});
                        }
                    }
                    if (console != null && tried > 0 && tried % FIND_PROGRESS == 0) {
                        console.println(String.format(Locale.ROOT, "find: up to %s, %d tried, %d found", name, tried,
                                rows.size() - 1));
                        console.flush();
                    }
                }
            }
            String scanned = String.format(Locale.ROOT, "%04X-%04X", from, to);
            String summary = (rows.size() - 1) + (rows.size() == 2 ? " file" : " files") + " found in " + dir
                    + " among " + tried + " identifiers of " + scanned;
            if (stop != null) {
                summary += " (" + stop + "; the rest of the range was not tried)";
            }
            return (rows.size() > 1 ? CommandText.table(rows) + "\n" : "") + summary;
        });
    }

    private static int fidNumber(String text, String what) {
        byte[] fid = CardArgs.fid(text);
        int value = ((fid[0] & 0xFF) << 8) | (fid[1] & 0xFF);
        if (value == 0xFFFF) {
            throw ShellFailures.badInput("'" + text.strip() + "' (" + what + ") is reserved; the last file identifier"
                    + " is FFFE");
        }
        return value;
    }

    /** The session's console for progress lines, or null where the session has none. */
    private static PrintStream console(CommandSession session) {
        try {
            return session.getConsole();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    @Descriptor("change the current directory (ChangeDir) and print the new one")
    public String cd(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor("the directory: its identifier (5015), a path (3F00/5015), .. for the parent, or aid:<hex>"
                    + " to select a DF by name") String path) {
        String dir = CardArgs.path(path, "directory");
        String context = "cd " + dir;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.changeDir(CardArgs.refType(dir), dir));
        return CardErrors.call(context, files::getCurrentDir);
    }

    @Descriptor("print the current directory (GetCurrentDir), e.g. 3F00/5015")
    public String pwd(@Descriptor("the shell session, whose attachment this is") CommandSession session) {
        ISCardFileAccess files = files(session, "pwd");
        return CardErrors.call("pwd", files::getCurrentDir);
    }

    @Descriptor("print a file as a hex dump with offsets and ASCII: a transparent file whole, a record file record"
            + " by record")
    public String cat(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor(PATH) String file) {
        String path = CardArgs.path(file, "file");
        String context = "cat " + path;
        ISCardFileAccess files = files(session, context);
        return commands.underLock(session, () -> {
            long handle = open(files, context, path);
            try {
                Fcp fcp = openedFcp(files, context);
                if (fcp != null && (fcp.isRecordFile()
                        || fcp.structureUnknown() && holdsRecords(files, handle, context))) {
                    return records(files, handle, context);
                }
                return HexDump.dump(transparent(files, handle, context, fcp == null ? -1 : fcp.size()), 0);
            } finally {
                close(files, handle);
            }
        });
    }

    @Descriptor("print one record of a record file as a hex dump with offsets and ASCII")
    public String cat(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor(PATH) String file,
            @Descriptor("the record number, from 1") String record) {
        String path = CardArgs.path(file, "file");
        int number = (int) CardArgs.number(record, "record number", 1, MAX_RECORDS);
        String context = "cat " + path + " record " + number;
        ISCardFileAccess files = files(session, context);
        return commands.underLock(session, () -> {
            long handle = open(files, context, path);
            try {
                Fcp fcp = openedFcp(files, context);
                if (fcp != null && !fcp.isRecordFile()
                        && !(fcp.structureUnknown() && holdsRecords(files, handle, context))) {
                    throw ShellFailures.badInput(context + ": " + path + " is not a record file (scard:cat " + path
                            + " without a record number prints it)");
                }
                CardErrors.call(context, () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, number - 1L));
                byte[] data = CardErrors.call(context, () -> files.read(handle, 0, SCardFlag.NONE));
                return recordHeading(number, data) + "\n" + HexDump.dump(data, 0);
            } finally {
                close(files, handle);
            }
        });
    }

    @Descriptor("show what the card says of the current directory: its decoded control parameters (FCP)")
    public String info(@Descriptor("the shell session, whose attachment this is") CommandSession session) {
        ISCardFileAccess files = files(session, "info");
        String dir = CardErrors.call("info", files::getCurrentDir);
        return info(files, dir);
    }

    @Descriptor("show what the card says of a file: type, structure, size, file ID, SFI, DF name, life cycle,"
            + " access conditions as far as they can be decoded, and the raw FCP entries (GetProperties)")
    public String info(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor(PATH) String file) {
        String path = CardArgs.path(file, "file");
        return info(files(session, "info " + path), path);
    }

    private static String info(ISCardFileAccess files, String path) {
        String context = "info " + path;
        Fcp fcp = Fcp.of(CardErrors.call(context,
                () -> files.getProperties(CardArgs.refType(path), path, SCardFlag.NONE)));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"File:", path});
        if (fcp.fid() != null) {
            rows.add(new String[] {"File ID:", fcp.fid()});
        }
        String structure = fcp.structure();
        rows.add(new String[] {"Type:", fcp.kindWords() + (structure.isEmpty() ? "" : ", " + structure)});
        String records = fcp.recordsText();
        if (!records.isEmpty()) {
            rows.add(new String[] {"Records:", records});
        }
        if (fcp.size() >= 0) {
            rows.add(new String[] {"Size:", fcp.size() + " bytes"});
        }
        if (fcp.totalSize() >= 0) {
            rows.add(new String[] {"Total size:", fcp.totalSize() + " bytes"});
        }
        if (fcp.dfName() != null) {
            rows.add(new String[] {"DF name:", fcp.dfName() + printable(fcp.value(0x84))});
        }
        if (fcp.sfi() > 0) {
            rows.add(new String[] {"SFI:", String.format(Locale.ROOT, "%02X (sfi:%02X names it)", fcp.sfi(),
                fcp.sfi())});
        }
        if (fcp.lifeCycle() >= 0) {
            rows.add(new String[] {"Life cycle:", Fcp.lifeCycleWords(fcp.lifeCycle())});
        }
        List<String> access = fcp.accessConditions();
        rows.add(new String[] {"Access:", access.isEmpty() ? "not in the FCP" : access.get(0)});
        for (int i = 1; i < access.size(); i++) {
            rows.add(new String[] {"", access.get(i)});
        }
        StringBuilder out = new StringBuilder(Formats.labelled(rows));
        out.append("\nFCP entries:");
        List<String> raw = fcp.rawLines();
        if (raw.isEmpty()) {
            out.append(" none");
        }
        for (String line : raw) {
            out.append('\n').append(line);
        }
        return out.toString();
    }

    /** {@code  ("..PKCS-15")} when every byte is printable ASCII, else nothing. */
    private static String printable(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0x20 || b > 0x7E) {
                return "";
            }
        }
        return " (\"" + new String(bytes, StandardCharsets.US_ASCII) + "\")";
    }

    // ------------------------------------------------------------------------------------------- changing

    @Descriptor("write bytes into a file (Write): into a transparent file at a byte offset, or replace a record of"
            + " a record file (the record after the last one appends a record)")
    public String update(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor(PATH) String file,
            @Descriptor("transparent file: the byte offset (decimal, or hex with 0x); record file: the record number,"
                    + " from 1") String offset,
            @Descriptor("the bytes in hex; they may be separated by spaces or ':' (01 02, 01:02, 0102)")
            String... hex) {
        String path = CardArgs.path(file, "file");
        byte[] data = HexInput.parse("data", hex);
        String context = "update " + path;
        ISCardFileAccess files = files(session, context);
        return commands.underLock(session, () -> {
            long handle = open(files, context, path);
            try {
                Fcp fcp = openedFcp(files, context);
                boolean records = fcp != null && (fcp.isRecordFile() || fcp.structureUnknown()
                        && holdsRecords(files, handle, context));
                long position = records ? CardArgs.number(offset, "record number", 1, MAX_RECORDS) - 1
                        : CardArgs.number(offset, "offset", 0, Integer.MAX_VALUE);
                CardErrors.call(context, () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, position));
                CardErrors.run(context, () -> files.write(handle, data, SCardFlag.NONE));
                String bytes = data.length + (data.length == 1 ? " byte" : " bytes");
                return records ? "Wrote record " + (position + 1) + " of " + path + " (" + bytes + ")"
                        : "Wrote " + bytes + " to " + path + " at offset " + position;
            } finally {
                close(files, handle);
            }
        });
    }

    @Descriptor("create a file in the current directory (Create): a transparent EF of <size> bytes, a record EF"
            + " of -n records of <size> bytes each (for linear-variable: at most), or a DF")
    public String create(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor("record files: the number of records (linear-variable: the most it may hold); default 1")
            @Parameter(names = {"-n", "--records"}, absentValue = "1") String records,
            @Descriptor("a short EF identifier in hex, 01 to 1E, as sfi:<hex> paths write it")
            @Parameter(names = {"-s", "--sfi"}, absentValue = "") String sfi,
            @Descriptor("a DF's name (AID) in hex")
            @Parameter(names = {"-a", "--aid"}, absentValue = "") String aid,
            @Descriptor("the new file's identifier: four hex digits, such as 4405") String fid,
            @Descriptor("transparent, linear-fixed, linear-variable, cyclic or df") String type,
            @Descriptor("transparent: the size in bytes; record files: the record size in bytes; df: the space it"
                    + " gets in bytes (0: as the card decides)") String size) {
        byte[] id = CardArgs.fid(fid);
        String name = fid.strip().toUpperCase(Locale.ROOT);
        CardArgs.NewFile kind = CardArgs.newFile(type);
        List<Tlv> fcp = new ArrayList<>();
        String what;
        if (kind.records()) {
            int length = (int) CardArgs.number(size, "record size", 1, 0xFFFF);
            int count = (int) CardArgs.number(records, "number of records", 1, MAX_RECORDS);
            if ((long) length * count > 0xFFFF) {
                throw ShellFailures.badInput(count + " records of " + length + " bytes do not fit a file (at most"
                        + " 65535 bytes)");
            }
            fcp.add(Tlv.of(0x82, new byte[] {(byte) kind.descriptor, 0x21, (byte) (length >> 8), (byte) length,
                (byte) count}));
            fcp.add(Tlv.of(0x80, twoBytes(length * count)));
            what = words(kind) + ", " + count + (count == 1 ? " record" : " records")
                    + (kind == CardArgs.NewFile.LINEAR_VARIABLE ? " of at most " : " of ") + length + " bytes";
        } else {
            int bytes = (int) CardArgs.number(size, "size", kind == CardArgs.NewFile.DF ? 0 : 1, 0xFFFF);
            fcp.add(Tlv.of(0x82, new byte[] {(byte) kind.descriptor}));
            if (kind == CardArgs.NewFile.DF) {
                if (bytes > 0) {
                    fcp.add(Tlv.of(0x81, twoBytes(bytes)));
                }
                what = "DF" + (bytes > 0 ? ", " + bytes + " bytes" : "");
            } else {
                fcp.add(Tlv.of(0x80, twoBytes(bytes)));
                what = "transparent, " + bytes + " bytes";
            }
        }
        if (!sfi.isEmpty()) {
            if (kind == CardArgs.NewFile.DF) {
                throw ShellFailures.badInput("a DF has no short EF identifier (-s is for EFs)");
            }
            int value = CardArgs.sfi(sfi);
            fcp.add(Tlv.of(0x88, new byte[] {(byte) (value << 3)}));
            what += String.format(Locale.ROOT, ", SFI %02X", value);
        }
        if (!aid.isEmpty()) {
            if (kind != CardArgs.NewFile.DF) {
                throw ShellFailures.badInput("only a DF has a name (-a is for df)");
            }
            byte[] dfName = HexInput.parse("DF name", aid);
            if (dfName.length > 16) {
                throw ShellFailures.badInput("a DF name has at most 16 bytes, not " + dfName.length);
            }
            fcp.add(Tlv.of(0x84, dfName));
            what += ", name " + Formats.hex(dfName);
        }
        String context = "create " + name;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.create(RefType.BY_ID, name, fcp, SCardFlag.NONE, null));
        String dir = CardErrors.call(context, files::getCurrentDir);
        return "Created " + name + " in " + dir + " (" + what + ")";
    }

    private static String words(CardArgs.NewFile kind) {
        return kind.words[0].replace('-', ' ');
    }

    @Descriptor("delete a file (Delete); a DF must be empty unless -r is given")
    public String rm(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor("delete a DF with everything in it")
            @Parameter(names = {"-r", "--recursive"}, presentValue = "true", absentValue = "false")
            boolean recursive,
            @Descriptor(PATH) String file) {
        String path = CardArgs.path(file, "file");
        String context = "rm " + path;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.delete(CardArgs.refType(path), path,
                recursive ? EnumSet.of(SCardFlag.RECURSIVE) : SCardFlag.NONE));
        return "Deleted " + path;
    }

    @Descriptor("deactivate a file (Invalidate, DEACTIVATE FILE): it cannot be read or written until"
            + " scard:rehabilitate")
    public String invalidate(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor(PATH) String file) {
        String path = CardArgs.path(file, "file");
        String context = "invalidate " + path;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.invalidate(path, SCardFlag.NONE));
        return "Invalidated " + path;
    }

    @Descriptor("reactivate a file deactivated by scard:invalidate (Rehabilitate, ACTIVATE FILE)")
    public String rehabilitate(
            @Descriptor("the shell session, whose attachment this is") CommandSession session,
            @Descriptor(PATH) String file) {
        String path = CardArgs.path(file, "file");
        String context = "rehabilitate " + path;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.rehabilitate(path, SCardFlag.NONE));
        return "Rehabilitated " + path;
    }

    // ------------------------------------------------------------------------------------------- internals

    /**
     * Opens a file for cat or update; a DF fails with a hint to cd or ls instead (the FCP is asked only then).
     */
    private static long open(ISCardFileAccess files, String context, String path) {
        try {
            return files.open(CardArgs.refType(path), path);
        } catch (SCardException e) {
            if (e.code() == HResult.SCARD_E_NO_FILE && isDf(files, path)) {
                throw new SCardException(HResult.SCARD_E_NO_FILE, context + ": is a DF; scard:cd " + path
                        + " enters it, scard:ls lists it");
            }
            throw CardErrors.failure(context, e);
        }
    }

    private static boolean isDf(ISCardFileAccess files, String path) {
        try {
            return Fcp.of(files.getProperties(CardArgs.refType(path), path, SCardFlag.NONE)).isDf();
        } catch (SCardException e) {
            return false;
        }
    }

    /**
     * The FCP of the file just opened (GetFileCapabilities), to tell records from bytes; null when the provider does
     * not implement it (the file is then read as transparent).
     */
    private static Fcp openedFcp(ISCardFileAccess files, String context) {
        try {
            return Fcp.of(files.getFileCapabilities(List.of(), SCardFlag.NONE));
        } catch (SCardException e) {
            if (e.code() == HResult.E_NOTIMPL) {
                return null;
            }
            throw CardErrors.failure(context, e);
        }
    }

    /**
     * Whether an open file whose FCP gives no structure (a card that answers SELECT with the status word alone)
     * holds records: one read at its start shows the card services (READ BINARY, READ RECORD on {@code 6981}), which
     * then report a transparent file with its file descriptor, and a record file still without one. The position
     * goes back to the start. An empty file counts as transparent; a file that cannot be read (no right to) fails
     * here, as whether a number is a record or an offset cannot be told.
     */
    private static boolean holdsRecords(ISCardFileAccess files, long handle, String context) {
        try {
            files.read(handle, 1, SCardFlag.NONE);
        } catch (SCardException e) {
            if (e.code() == HResult.SCARD_W_EOF) {
                return false;
            }
            throw CardErrors.failure(context, e);
        }
        CardErrors.call(context, () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, 0));
        Fcp learned = openedFcp(files, context);
        return learned != null && !learned.isTransparent();
    }

    /** The whole content of a transparent file: reads until the size the FCP gives, or the end of the file. */
    private static byte[] transparent(ISCardFileAccess files, long handle, String context, long size) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        while (size < 0 || data.size() < size) {
            int want = size < 0 ? READ_CHUNK : (int) Math.min(READ_CHUNK, size - data.size());
            byte[] chunk;
            try {
                chunk = files.read(handle, want, SCardFlag.NONE);
            } catch (SCardException e) {
                if (e.code() == HResult.SCARD_W_EOF) {
                    break;
                }
                throw CardErrors.failure(context, e);
            }
            if (chunk.length == 0) {
                break;
            }
            data.writeBytes(chunk);
        }
        return data.toByteArray();
    }

    /** Every record of a record file, each under its number. */
    private static String records(ISCardFileAccess files, long handle, String context) {
        StringBuilder out = new StringBuilder();
        for (int number = 1; number <= MAX_RECORDS; number++) {
            byte[] data;
            try {
                data = files.read(handle, 0, SCardFlag.NONE);
            } catch (SCardException e) {
                if (e.code() == HResult.SCARD_W_EOF) {
                    break;
                }
                throw CardErrors.failure(context + " record " + number, e);
            }
            if (out.length() > 0) {
                out.append('\n');
            }
            out.append(recordHeading(number, data)).append('\n').append(HexDump.dump(data, 0));
        }
        return out.length() == 0 ? "(no records)" : out.toString();
    }

    private static String recordHeading(int number, byte[] data) {
        return "Record " + number + " (" + data.length + (data.length == 1 ? " byte)" : " bytes)");
    }

    private static void close(ISCardFileAccess files, long handle) {
        try {
            files.close(handle);
        } catch (RuntimeException e) {
            // the attachment ended meanwhile, which closed the handle already
        }
    }

    private static byte[] twoBytes(int value) {
        return new byte[] {(byte) (value >> 8), (byte) value};
    }
}
