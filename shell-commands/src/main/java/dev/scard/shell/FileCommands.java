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
import dev.scard.shell.text.CommandUsage;

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
    "rehabilitate", "capabilities", "setprop"})
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

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String LS_SUMMARY = "list the current directory (Directory): file ID ([DF] in brackets), type (DF, wEF"
            + " working EF, iEF internal EF), size in bytes and structure of each file, like opensc-explorer's ls. On a"
            + " card without LIST FILES (80 16) only well-known file identifiers are tried and the listing says it may"
            + " be incomplete (scard:find scans a range). Ctrl-C stops it; it stops by itself after the time limit";
    /** The command's usage line, options and arguments. */
    static final String LS_DETAILS = "Usage: scard:ls [options]\n"
            + "Options:\n"
            + "  -t, --time-limit <duration>  the time limit: " + Durations.FORMS + "; default " + LS_LIMIT_TEXT + "\n"
            + CommandUsage.HELP_LINE;
    static final String LS_USAGE = LS_SUMMARY + "\n" + LS_DETAILS;

    static final CommandUsage LS = CommandUsage.of("scard:ls", LS_USAGE);

    /**
     * {@code scard:ls}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #LS_USAGE} says
     * @return the listing, or null after {@code --help}
     */
    @Descriptor(LS_SUMMARY)
    public Object ls(CommandSession session, @Descriptor(LS_DETAILS) CharSequence... words) {
        return LS.run(session, words, w -> ls(session, w.option("--time-limit", "")));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String FIND_SUMMARY = "look for files in the current directory by trying every file identifier of a"
            + " range (SELECT each, one APDU per identifier): for cards without LIST FILES, where scard:ls may be"
            + " incomplete. Shows progress every 256 identifiers; Ctrl-C or the time limit stops it and it prints what"
            + " it found";
    /** The command's usage line, options and arguments. */
    static final String FIND_DETAILS = "Usage: scard:find [options] [--] [<first>] [<last>]\n"
            + "Options:\n"
            + "  -t, --time-limit <duration>  the time limit: " + Durations.FORMS + "; default " + FIND_LIMIT_TEXT
            + "\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<first>]  the first file identifier, four hex digits (default 0000)\n"
            + "  [<last>]  the last file identifier, four hex digits (default FFFE)\n";
    static final String FIND_USAGE = FIND_SUMMARY + "\n" + FIND_DETAILS;

    static final CommandUsage FIND = CommandUsage.of("scard:find", FIND_USAGE);

    /**
     * {@code scard:find}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #FIND_USAGE} says
     * @return what was found, or null after {@code --help}
     */
    @Descriptor(FIND_SUMMARY)
    public Object find(CommandSession session, @Descriptor(FIND_DETAILS) CharSequence... words) {
        return FIND.run(session, words, w -> find(session, w.option("--time-limit", ""), w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CD_SUMMARY = "change the current directory (ChangeDir) and print the new one";
    /** The command's usage line, options and arguments. */
    static final String CD_DETAILS = "Usage: scard:cd [--] <dir>\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <dir>  the directory: its identifier (5015), a path (3F00/5015), .. for the parent, or aid:<hex> to"
            + " select a DF by name\n";
    static final String CD_USAGE = CD_SUMMARY + "\n" + CD_DETAILS;

    static final CommandUsage CD = CommandUsage.of("scard:cd", CD_USAGE);

    /**
     * {@code scard:cd}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #CD_USAGE} says
     * @return the new current directory, or null after {@code --help}
     */
    @Descriptor(CD_SUMMARY)
    public Object cd(CommandSession session, @Descriptor(CD_DETAILS) CharSequence... words) {
        return CD.run(session, words, w -> cd(session, w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String PWD_SUMMARY = "print the current directory (GetCurrentDir), e.g. 3F00/5015";
    /** The command's usage line, options and arguments. */
    static final String PWD_DETAILS = "Usage: scard:pwd\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE;
    static final String PWD_USAGE = PWD_SUMMARY + "\n" + PWD_DETAILS;

    static final CommandUsage PWD = CommandUsage.of("scard:pwd", PWD_USAGE);

    /**
     * {@code scard:pwd}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #PWD_USAGE} says
     * @return the current directory, or null after {@code --help}
     */
    @Descriptor(PWD_SUMMARY)
    public Object pwd(CommandSession session, @Descriptor(PWD_DETAILS) CharSequence... words) {
        return PWD.run(session, words, w -> pwd(session));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CAT_SUMMARY = "print a file as a hex dump with offsets and ASCII: a transparent file whole, a"
            + " record file record by record, or one record";
    /** The command's usage line, options and arguments. */
    static final String CAT_DETAILS = "Usage: scard:cat [--] <file> [<record>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <file>  " + PATH + "\n"
            + "  [<record>]  the record number, from 1 (default: every record)\n";
    static final String CAT_USAGE = CAT_SUMMARY + "\n" + CAT_DETAILS;

    static final CommandUsage CAT = CommandUsage.of("scard:cat", CAT_USAGE);

    /**
     * {@code scard:cat}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #CAT_USAGE} says
     * @return the hex dump, or null after {@code --help}
     */
    @Descriptor(CAT_SUMMARY)
    public Object cat(CommandSession session, @Descriptor(CAT_DETAILS) CharSequence... words) {
        return CAT.run(session, words, w -> w.count() == 1 ? cat(session, w.argument(0)) : cat(session, w.argument(0), w.argument(1)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String INFO_SUMMARY = "show what the card says of a file (GetProperties), or of the current directory:"
            + " type, structure, size, file ID, SFI, DF name, life cycle, access conditions as far as they can be"
            + " decoded, and the raw FCP entries";
    /** The command's usage line, options and arguments. */
    static final String INFO_DETAILS = "Usage: scard:info [--] [<file>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<file>]  " + PATH + " (default: the current directory)\n";
    static final String INFO_USAGE = INFO_SUMMARY + "\n" + INFO_DETAILS;

    static final CommandUsage INFO = CommandUsage.of("scard:info", INFO_USAGE);

    /**
     * {@code scard:info}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #INFO_USAGE} says
     * @return the file's properties, or null after {@code --help}
     */
    @Descriptor(INFO_SUMMARY)
    public Object info(CommandSession session, @Descriptor(INFO_DETAILS) CharSequence... words) {
        return INFO.run(session, words, w -> w.count() == 0 ? info(session) : info(session, w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String UPDATE_SUMMARY = "write bytes into a file (Write): into a transparent file at a byte offset, or"
            + " replace a record of a record file (the record after the last one appends a record)";
    /** The command's usage line, options and arguments. */
    static final String UPDATE_DETAILS = "Usage: scard:update [--] <file> <offset> <hex>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <file>  " + PATH + "\n"
            + "  <offset>  transparent file: the byte offset (decimal, or hex with 0x); record file: the record"
            + " number, from 1\n"
            + "  <hex>...  the bytes in hex; they may be separated by spaces or ':' (01 02, 01:02, 0102)\n";
    static final String UPDATE_USAGE = UPDATE_SUMMARY + "\n" + UPDATE_DETAILS;

    static final CommandUsage UPDATE = CommandUsage.of("scard:update", UPDATE_USAGE);

    /**
     * {@code scard:update}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #UPDATE_USAGE} says
     * @return what was written, or null after {@code --help}
     */
    @Descriptor(UPDATE_SUMMARY)
    public Object update(CommandSession session, @Descriptor(UPDATE_DETAILS) CharSequence... words) {
        return UPDATE.run(session, words, w -> update(session, w.argument(0), w.argument(1), w.from(2)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CREATE_SUMMARY = "create a file in the current directory (Create): a transparent EF of <size>"
            + " bytes, a record EF of -n records of <size> bytes each (for linear-variable: at most), or a DF";
    /** The command's usage line, options and arguments. */
    static final String CREATE_DETAILS = "Usage: scard:create [options] [--] <fid> <type> <size>\n"
            + "Options:\n"
            + "  -n, --records <count>  record files: the number of records (linear-variable: the most it may hold);"
            + " default 1\n"
            + "  -s, --sfi <sfi>  a short EF identifier in hex, 01 to 1E, as sfi:<hex> paths write it\n"
            + "  -a, --aid <aid>  a DF's name (AID) in hex\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <fid>  the new file's identifier: four hex digits, such as 4405\n"
            + "  <type>  transparent, linear-fixed, linear-variable, cyclic or df\n"
            + "  <size>  transparent: the size in bytes; record files: the record size in bytes; df: the space it"
            + " gets in bytes (0: as the card decides)\n";
    static final String CREATE_USAGE = CREATE_SUMMARY + "\n" + CREATE_DETAILS;

    static final CommandUsage CREATE = CommandUsage.of("scard:create", CREATE_USAGE);

    /**
     * {@code scard:create}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #CREATE_USAGE} says
     * @return what was created, or null after {@code --help}
     */
    @Descriptor(CREATE_SUMMARY)
    public Object create(CommandSession session, @Descriptor(CREATE_DETAILS) CharSequence... words) {
        return CREATE.run(session, words, w -> create(session, w.option("--records", "1"), w.option("--sfi", ""),
            w.option("--aid", ""), w.argument(0), w.argument(1), w.argument(2)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String RM_SUMMARY = "delete a file (Delete); a DF must be empty unless -r is given";
    /** The command's usage line, options and arguments. */
    static final String RM_DETAILS = "Usage: scard:rm [options] [--] <file>\n"
            + "Options:\n"
            + "  -r, --recursive  delete a DF with everything in it\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <file>  " + PATH + "\n";
    static final String RM_USAGE = RM_SUMMARY + "\n" + RM_DETAILS;

    static final CommandUsage RM = CommandUsage.of("scard:rm", RM_USAGE);

    /**
     * {@code scard:rm}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #RM_USAGE} says
     * @return what was deleted, or null after {@code --help}
     */
    @Descriptor(RM_SUMMARY)
    public Object rm(CommandSession session, @Descriptor(RM_DETAILS) CharSequence... words) {
        return RM.run(session, words, w -> rm(session, w.flag("--recursive"), w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String INVALIDATE_SUMMARY = "deactivate a file (Invalidate, DEACTIVATE FILE): it cannot be read or"
            + " written until scard:rehabilitate";
    /** The command's usage line, options and arguments. */
    static final String INVALIDATE_DETAILS = "Usage: scard:invalidate [--] <file>\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <file>  " + PATH + "\n";
    static final String INVALIDATE_USAGE = INVALIDATE_SUMMARY + "\n" + INVALIDATE_DETAILS;

    static final CommandUsage INVALIDATE = CommandUsage.of("scard:invalidate", INVALIDATE_USAGE);

    /**
     * {@code scard:invalidate}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #INVALIDATE_USAGE} says
     * @return what was deactivated, or null after {@code --help}
     */
    @Descriptor(INVALIDATE_SUMMARY)
    public Object invalidate(CommandSession session, @Descriptor(INVALIDATE_DETAILS) CharSequence... words) {
        return INVALIDATE.run(session, words, w -> invalidate(session, w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String REHABILITATE_SUMMARY = "reactivate a file deactivated by scard:invalidate (Rehabilitate,"
            + " ACTIVATE FILE)";
    /** The command's usage line, options and arguments. */
    static final String REHABILITATE_DETAILS = "Usage: scard:rehabilitate [--] <file>\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <file>  " + PATH + "\n";
    static final String REHABILITATE_USAGE = REHABILITATE_SUMMARY + "\n" + REHABILITATE_DETAILS;

    static final CommandUsage REHABILITATE = CommandUsage.of("scard:rehabilitate", REHABILITATE_USAGE);

    /**
     * {@code scard:rehabilitate}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #REHABILITATE_USAGE} says
     * @return what was reactivated, or null after {@code --help}
     */
    @Descriptor(REHABILITATE_SUMMARY)
    public Object rehabilitate(CommandSession session, @Descriptor(REHABILITATE_DETAILS) CharSequence... words) {
        return REHABILITATE.run(session, words, w -> rehabilitate(session, w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CAPABILITIES_SUMMARY = "show the FCP entries of the current file (GetFileCapabilities): the file"
            + " last opened, or the directory last changed to, whichever came later; decoded as scard:info shows them,"
            + " or only the tags asked for";
    /** The command's usage line, options and arguments. */
    static final String CAPABILITIES_DETAILS = "Usage: scard:capabilities [--] [<tag>...]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<tag>...]  FCP tags in hex (82, 83, 8A, ...); none for every entry\n";
    static final String CAPABILITIES_USAGE = CAPABILITIES_SUMMARY + "\n" + CAPABILITIES_DETAILS;

    static final CommandUsage CAPABILITIES = CommandUsage.of("scard:capabilities", CAPABILITIES_USAGE);

    /**
     * {@code scard:capabilities}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #CAPABILITIES_USAGE} says
     * @return the current file's FCP entries, or null after {@code --help}
     */
    @Descriptor(CAPABILITIES_SUMMARY)
    public Object capabilities(CommandSession session, @Descriptor(CAPABILITIES_DETAILS) CharSequence... words) {
        return CAPABILITIES.run(session, words, w -> capabilities(session, w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String SETPROP_SUMMARY = "write an FCP entry of a file where the card allows it (SetProperties): ISO"
            + " 7816-4 has a command for the life cycle status (8A) only: activated (05, ACTIVATE FILE) or"
            + " deactivated (04, DEACTIVATE FILE)";
    /** The command's usage line, options and arguments. */
    static final String SETPROP_DETAILS = "Usage: scard:setprop [--] <file> <tag> <value>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <file>  " + PATH + "\n"
            + "  <tag>  the FCP tag in hex, or lifecycle (8A)\n"
            + "  <value>...  the value in hex; for the life cycle also activated or deactivated\n";
    static final String SETPROP_USAGE = SETPROP_SUMMARY + "\n" + SETPROP_DETAILS;

    static final CommandUsage SETPROP = CommandUsage.of("scard:setprop", SETPROP_USAGE);

    /**
     * {@code scard:setprop}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and arguments, as {@link #SETPROP_USAGE} says
     * @return what was set, or null after {@code --help}
     */
    @Descriptor(SETPROP_SUMMARY)
    public Object setprop(CommandSession session, @Descriptor(SETPROP_DETAILS) CharSequence... words) {
        return SETPROP.run(session, words, w -> setprop(session, w.argument(0), w.argument(1), w.from(2)));
    }

    // -------------------------------------------------------------------------------------------- browsing

    String ls(CommandSession session, String limit) {
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

    String find(CommandSession session, String limit, String... range) {
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
            throw ShellFailures.badInput("'" + CommandUsage.shown(text.strip()) + "' (" + what + ") is reserved; the last file identifier"
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

    String cd(CommandSession session, String path) {
        String dir = CardArgs.path(path, "directory");
        String context = "cd " + dir;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.changeDir(CardArgs.refType(dir), dir));
        return CardErrors.call(context, files::getCurrentDir);
    }

    String pwd(CommandSession session) {
        ISCardFileAccess files = files(session, "pwd");
        return CardErrors.call("pwd", files::getCurrentDir);
    }

    String cat(CommandSession session, String file) {
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

    String cat(CommandSession session, String file, String record) {
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
                byte[] data;
                try {
                    CardErrors.call(context, () -> files.seek(handle, SeekOrigin.FROM_BEGINNING, number - 1L));
                    data = CardErrors.call(context, () -> files.read(handle, 0, SCardFlag.NONE));
                } catch (SCardException e) {
                    if (e.code() != HResult.SCARD_W_EOF) {
                        throw e;
                    }
                    // the service counts positions from 0; the shell's record numbers start at 1
                    int count = fcp == null ? -1 : fcp.recordCount();
                    throw new SCardException(HResult.SCARD_W_EOF, context + ": there is no record " + number + " ("
                            + path + (count < 0 ? " has fewer records" : count == 1 ? " has 1 record"
                            : " has " + count + " records") + ", numbered from 1)");
                }
                return recordHeading(number, data) + "\n" + HexDump.dump(data, 0);
            } finally {
                close(files, handle);
            }
        });
    }

    String info(CommandSession session) {
        ISCardFileAccess files = files(session, "info");
        String dir = CardErrors.call("info", files::getCurrentDir);
        return info(files, dir);
    }

    String info(CommandSession session, String file) {
        String path = CardArgs.path(file, "file");
        return info(files(session, "info " + path), path);
    }

    private static String info(ISCardFileAccess files, String path) {
        String context = "info " + path;
        Fcp fcp = Fcp.of(CardErrors.call(context,
                () -> files.getProperties(CardArgs.refType(path), path, SCardFlag.NONE)));
        return describe(path, fcp);
    }

    /** What {@code scard:info} and {@code scard:capabilities} show of a file's FCP. */
    private static String describe(String file, Fcp fcp) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"File:", file});
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

    /**
     * {@code scard:capabilities}: the FCP entries of the current file (GetFileCapabilities), decoded as
     * {@code scard:info} shows them.
     */
    String capabilities(CommandSession session, String... tags) {
        List<Tlv> query = new ArrayList<>();
        for (String tag : tags) {
            query.add(Tlv.missing((int) CardArgs.number(tag.startsWith("0x") ? tag : "0x" + tag, "FCP tag", 0x80,
                    0xBF)));
        }
        ISCardFileAccess files = files(session, "capabilities");
        List<Tlv> entries = CardErrors.call("capabilities", () -> files.getFileCapabilities(query, SCardFlag.NONE));
        if (!query.isEmpty()) {
            StringBuilder out = new StringBuilder();
            for (Tlv entry : entries) {
                out.append(out.length() == 0 ? "" : "\n").append(String.format(Locale.ROOT, "%02X: ", entry.tag()))
                        .append(entry.valid() ? Formats.hex(entry.value()) : "not in the FCP");
            }
            return out.toString();
        }
        return describe("the current file (the last opened, or the current directory)", Fcp.of(entries));
    }

    /**
     * {@code scard:setprop}: writes a file's FCP entry where the card allows it (SetProperties); ISO 7816-4 has a
     * command for the life cycle status ({@code 8A}) only.
     */
    String setprop(CommandSession session, String file, String tag, String... value) {
        String path = CardArgs.path(file, "file");
        String t = tag.strip().toLowerCase(Locale.ROOT);
        int number = t.equals("lifecycle") || t.equals("life-cycle") ? 0x8A
                : (int) CardArgs.number(t.startsWith("0x") ? t : "0x" + t, "FCP tag", 0x80, 0xBF);
        byte[] bytes;
        String joined = String.join(" ", value).strip().toLowerCase(Locale.ROOT);
        if (number == 0x8A && (joined.equals("activated") || joined.equals("active"))) {
            bytes = new byte[] {0x05};
        } else if (number == 0x8A && (joined.equals("deactivated") || joined.equals("inactive"))) {
            bytes = new byte[] {0x04};
        } else {
            bytes = HexInput.parse("value", value);
        }
        String context = String.format(Locale.ROOT, "setprop %s %02X", path, number);
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.setProperties(CardArgs.refType(path), path,
                List.of(Tlv.of(number, bytes)), SCardFlag.NONE));
        if (number == 0x8A && bytes.length == 1) {
            return "Set the life cycle (8A) of " + path + ": " + Fcp.lifeCycleWords(bytes[0] & 0xFF);
        }
        return String.format(Locale.ROOT, "Set %02X of %s to %s", number, path, Formats.hex(bytes));
    }

    /** How long completion may ask the card for the current directory's files. */
    static final Duration COMPLETION_LIMIT = Duration.ofSeconds(2);

    /**
     * The file identifiers of the session's current directory, for completion: empty when the session is not
     * attached, the card fails, or it takes longer than {@link #COMPLETION_LIMIT}.
     */
    List<String> fileIds(CommandSession session) {
        try {
            ISCardFileAccess files = files(session, "complete");
            return commands.underLock(session, () -> {
                try (TimeLimit watch = new TimeLimit(COMPLETION_LIMIT)) {
                    return files.directory(FileType.ALL_FILES);
                }
            });
        } catch (RuntimeException e) {
            return List.of(); // completion offers nothing rather than fail
        }
    }

    // ------------------------------------------------------------------------------------------- changing

    String update(CommandSession session, String file, String offset, String... hex) {
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

    String create(CommandSession session, String records, String sfi, String aid, String fid, String type, String size) {
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

    String rm(CommandSession session, boolean recursive, String file) {
        String path = CardArgs.path(file, "file");
        String context = "rm " + path;
        ISCardFileAccess files = files(session, context);
        try {
            CardErrors.run(context, () -> files.delete(CardArgs.refType(path), path,
                    recursive ? EnumSet.of(SCardFlag.RECURSIVE) : SCardFlag.NONE));
        } catch (SCardException e) {
            // the service says which flag deletes it; the shell user needs the option
            if (!recursive && e.code() == HResult.E_INVALIDARG && e.getMessage().contains("not empty")) {
                throw new SCardException(HResult.E_INVALIDARG, context + ": the directory is not empty; scard:rm -r "
                        + path + " deletes it with everything in it");
            }
            throw e;
        }
        return "Deleted " + path;
    }

    String invalidate(CommandSession session, String file) {
        String path = CardArgs.path(file, "file");
        String context = "invalidate " + path;
        ISCardFileAccess files = files(session, context);
        CardErrors.run(context, () -> files.invalidate(path, SCardFlag.NONE));
        return "Invalidated " + path;
    }

    String rehabilitate(CommandSession session, String file) {
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
