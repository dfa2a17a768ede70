package dev.scard.shell;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.scard.api.CardHandle;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.shell.text.CommandText;
import dev.scard.shell.text.CommandUsage;
import dev.scard.shell.text.UserErrors;

/**
 * The {@code scard:} commands, over the public API only.
 *
 * <p><b>Sessions.</b> Attachments belong to the Gogo session: each {@link CommandSession} gets its own
 * {@link ISCardManage} instance from the prototype-scoped service of the backend that owns the reader, kept
 * while the session is attached and released ({@code ungetService}) on {@code scard:detach}, when the session
 * is garbage-collected, and when this component stops. Handles from {@code scard:connect} belong to the shell
 * as a whole (any session may attach to or disconnect them) and are disconnected when this component stops.
 *
 * <p><b>Output and errors.</b> Every command returns its output as a String without trailing newline. Bad
 * input throws {@link IllegalArgumentException} with one line naming the problem; failures of the API
 * propagate as {@link SCardException}, whose message ends with the symbolic error and its value
 * ({@code [SCARD_E_NO_SMARTCARD 0x8010000C]}).
 *
 * <p>The component is immediate: Gogo gets and ungets the service around every command, and a delayed
 * component would be deactivated (and forget every session) in between.
 */
@Component(service = ScardCommands.class, immediate = true)
@GogoCommand(scope = "scard", function = {"readers", "attach", "connect", "disconnect", "detach", "reconnect",
    "lock", "unlock", "status", "apdu", "iface"})
public class ScardCommands {

    static final String NOT_ATTACHED =
            "not attached: run scard:attach <reader> or scard:attach-handle <handle> first";
    private final BundleContext context;
    private final SessionRegistry<Attachment> sessions = new SessionRegistry<>();
    /**
     * The handles each session opened with scard:connect and has not disconnected, by backend and number (each map
     * guarded by itself). A handle belongs to the session that opened it: only that session attaches to it or
     * disconnects it.
     */
    private final SessionRegistry<Map<HandleKey, CardHandle>> opened = new SessionRegistry<>();

    @Activate
    public ScardCommands(BundleContext context) {
        this.context = context;
    }

    /** Releases every session's manager and disconnects the handles scard:connect opened. */
    @Deactivate
    void deactivate() {
        sessions.clear().forEach(ScardCommands::release);
        opened.clear().forEach(this::disconnectAll);
    }

    /** Disconnects the handles a session opened (it is forgotten, or the commands stop), leaving the cards. */
    private void disconnectAll(Map<HandleKey, CardHandle> handles) {
        List<CardHandle> open;
        synchronized (handles) {
            open = new ArrayList<>(handles.values());
            handles.clear();
        }
        for (CardHandle handle : open) {
            try {
                withResourceManager(handle.backend(), rm -> {
                    rm.disconnect(handle.value(), Disposition.LEAVE);
                    return null;
                });
            } catch (RuntimeException e) {
                // the backend is gone or already dropped the handle: nothing left to close
            }
        }
    }

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** The reader argument of attach and connect, and its share mode. */
    static final String READER_LINE = "  <reader>...  the reader name as scard:readers shows it (quote a name with"
            + " spaces, or type its words), optionally followed by shared (the default) or exclusive\n";
    /** The -b option of the commands that name a reader. */
    static final String BACKEND_LINE = "  -b, --backend <backend>  the backend (scard.backend) to use when several have"
            + " a reader by that name\n";
    /** The -p option of attach and connect. */
    static final String PROTOCOLS_LINE = "  -p, --protocols <protocols>  preferred protocols, comma-separated: t0, t1,"
            + " raw or any (default t0,t1)\n";
    /** The -b option of the commands that take a handle. */
    static final String HANDLE_BACKEND_LINE = "  -b, --backend <backend>  the backend that issued the handle, when"
            + " several could have\n";

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String READERS_SUMMARY = "list the readers of every backend: name, backend, card present or absent,"
            + " exclusive use, ATR";
    /** The command's usage line, options and arguments. */
    static final String READERS_DETAILS = "Usage: scard:readers [options]\n"
            + "Options:\n"
            + "  -b, --backend <backend>  only the readers of this backend (scard.backend, e.g. simulator or pcsc)\n"
            + CommandUsage.HELP_LINE;
    static final String READERS_USAGE = READERS_SUMMARY + "\n" + READERS_DETAILS;
    static final CommandUsage READERS = CommandUsage.of("scard:readers", READERS_USAGE);

    /**
     * {@code scard:readers}.
     *
     * @param session the Gogo session
     * @param words the options, as {@link #READERS_USAGE} says
     * @return the reader table, or null after {@code --help}
     */
    @Descriptor(READERS_SUMMARY)
    public Object readers(CommandSession session, @Descriptor(READERS_DETAILS) CharSequence... words) {
        return READERS.run(session, words, w -> readers(w.option("--backend", "")));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String ATTACH_SUMMARY = "attach this shell session to a reader and the card in it (AttachByIFD); a"
            + " reader without card gives a reader attachment";
    /** The command's usage line, options and arguments. */
    static final String ATTACH_DETAILS = "Usage: scard:attach [options] [--] <reader>...\n"
            + "Options:\n"
            + BACKEND_LINE
            + PROTOCOLS_LINE
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + READER_LINE;
    static final String ATTACH_USAGE = ATTACH_SUMMARY + "\n" + ATTACH_DETAILS;
    static final CommandUsage ATTACH = CommandUsage.of("scard:attach", ATTACH_USAGE);

    /**
     * {@code scard:attach}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and the reader, as {@link #ATTACH_USAGE} says
     * @return what the session is attached to, or null after {@code --help}
     */
    @Descriptor(ATTACH_SUMMARY)
    public Object attach(CommandSession session, @Descriptor(ATTACH_DETAILS) CharSequence... words) {
        return ATTACH.run(session, words,
            w -> attach(session, w.option("--backend", ""), w.option("--protocols", "t0,t1"), w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String ATTACH_HANDLE_SUMMARY = "attach this shell session to the card behind a handle it opened with"
            + " scard:connect (AttachByHandle); the handle stays open after scard:detach";
    /** The command's usage line, options and arguments. */
    static final String ATTACH_HANDLE_DETAILS = "Usage: scard:attach-handle [options] [--] <handle>\n"
            + "Options:\n"
            + HANDLE_BACKEND_LINE
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <handle>  the handle number as scard:connect printed it (or $handle)\n";
    static final String ATTACH_HANDLE_USAGE = ATTACH_HANDLE_SUMMARY + "\n" + ATTACH_HANDLE_DETAILS;
    static final CommandUsage ATTACH_HANDLE = CommandUsage.of("scard:attach-handle", ATTACH_HANDLE_USAGE);

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String DETACH_SUMMARY = "detach this shell session (Detach): leaves the card as it is and releases a"
            + " lock; a handle from scard:connect stays open";
    /** The command's usage line, options and arguments. */
    static final String DETACH_DETAILS = "Usage: scard:detach\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE;
    static final String DETACH_USAGE = DETACH_SUMMARY + "\n" + DETACH_DETAILS;
    static final CommandUsage DETACH = CommandUsage.of("scard:detach", DETACH_USAGE);

    /**
     * {@code scard:detach}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words nothing but {@code --help}
     * @return what the session was attached to, or null after {@code --help}
     */
    @Descriptor(DETACH_SUMMARY)
    public Object detach(CommandSession session, @Descriptor(DETACH_DETAILS) CharSequence... words) {
        return DETACH.run(session, words, w -> detach(session));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String CONNECT_SUMMARY = "connect to the card in a reader through the resource manager and print the"
            + " handle; the handle belongs to this session, is put into $handle, and stays open until"
            + " scard:disconnect <handle>";
    /** The command's usage line, options and arguments. */
    static final String CONNECT_DETAILS = "Usage: scard:connect [options] [--] <reader>...\n"
            + "Options:\n"
            + BACKEND_LINE
            + PROTOCOLS_LINE
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + READER_LINE;
    static final String CONNECT_USAGE = CONNECT_SUMMARY + "\n" + CONNECT_DETAILS;
    static final CommandUsage CONNECT = CommandUsage.of("scard:connect", CONNECT_USAGE);

    /**
     * {@code scard:connect}.
     *
     * @param session the Gogo session, which the handle belongs to
     * @param words the options and the reader, as {@link #CONNECT_USAGE} says
     * @return the handle, or null after {@code --help}
     */
    @Descriptor(CONNECT_SUMMARY)
    public Object connect(CommandSession session, @Descriptor(CONNECT_DETAILS) CharSequence... words) {
        return CONNECT.run(session, words,
            w -> connect(session, w.option("--backend", ""), w.option("--protocols", "t0,t1"), w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String DISCONNECT_SUMMARY = "close a handle this session opened with scard:connect and treat the card"
            + " as the disposition says";
    /** The command's usage line, options and arguments. */
    static final String DISCONNECT_DETAILS = "Usage: scard:disconnect [options] [--] <handle> [<disposition>]\n"
            + "Options:\n"
            + HANDLE_BACKEND_LINE
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <handle>  the handle number as scard:connect printed it (or $handle)\n"
            + "  [<disposition>]  leave (the default), reset, unpower or eject\n";
    static final String DISCONNECT_USAGE = DISCONNECT_SUMMARY + "\n" + DISCONNECT_DETAILS;
    static final CommandUsage DISCONNECT = CommandUsage.of("scard:disconnect", DISCONNECT_USAGE);

    /**
     * {@code scard:disconnect}.
     *
     * @param session the Gogo session, which the handle belongs to
     * @param words the options, the handle and the disposition, as {@link #DISCONNECT_USAGE} says
     * @return what was disconnected, or null after {@code --help}
     */
    @Descriptor(DISCONNECT_SUMMARY)
    public Object disconnect(CommandSession session, @Descriptor(DISCONNECT_DETAILS) CharSequence... words) {
        return DISCONNECT.run(session, words, w -> disconnect(session, w.option("--backend", ""), w.argument(0),
            w.count() > 1 ? w.argument(1) : "leave"));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String RECONNECT_SUMMARY = "re-establish this session's link to the card (Reconnect) after treating"
            + " the card as the initialization says; after a reset, a removal and re-insertion, or to reach a card"
            + " inserted after a reader attachment";
    /** The command's usage line, options and arguments. */
    static final String RECONNECT_DETAILS = "Usage: scard:reconnect [--] [<initialization>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<initialization>]  leave (the default), reset (warm reset) or unpower (cold reset)\n";
    static final String RECONNECT_USAGE = RECONNECT_SUMMARY + "\n" + RECONNECT_DETAILS;
    static final CommandUsage RECONNECT = CommandUsage.of("scard:reconnect", RECONNECT_USAGE);

    /**
     * {@code scard:reconnect}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the initialization, as {@link #RECONNECT_USAGE} says
     * @return the card's state after reconnecting, or null after {@code --help}
     */
    @Descriptor(RECONNECT_SUMMARY)
    public Object reconnect(CommandSession session, @Descriptor(RECONNECT_DETAILS) CharSequence... words) {
        return RECONNECT.run(session, words, w -> reconnect(session, w.count() > 0 ? w.argument(0) : "leave"));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String LOCK_SUMMARY = "lock the card for this session (SCardLock): without a timeout, waiting as long"
            + " as another connection holds it; with one, at most that long (E_FAIL when it expires)";
    /** The command's usage line, options and arguments. */
    static final String LOCK_DETAILS = "Usage: scard:lock [--] [<timeout>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<timeout>]  how long to wait: 500ms, 2s, 1.5s, 1m, or plain milliseconds (250); 0 tries once\n";
    static final String LOCK_USAGE = LOCK_SUMMARY + "\n" + LOCK_DETAILS;
    static final CommandUsage LOCK = CommandUsage.of("scard:lock", LOCK_USAGE);

    /**
     * {@code scard:lock}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the timeout, as {@link #LOCK_USAGE} says
     * @return what was locked, or null after {@code --help}
     */
    @Descriptor(LOCK_SUMMARY)
    public Object lock(CommandSession session, @Descriptor(LOCK_DETAILS) CharSequence... words) {
        return LOCK.run(session, words, w -> w.count() == 0 ? lock(session) : lock(session, w.argument(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String UNLOCK_SUMMARY = "release this session's lock (SCardUnlock) and treat the card as the"
            + " disposition says";
    /** The command's usage line, options and arguments. */
    static final String UNLOCK_DETAILS = "Usage: scard:unlock [--] [<disposition>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<disposition>]  leave (the default), reset, unpower or eject\n";
    static final String UNLOCK_USAGE = UNLOCK_SUMMARY + "\n" + UNLOCK_DETAILS;
    static final CommandUsage UNLOCK = CommandUsage.of("scard:unlock", UNLOCK_USAGE);

    /**
     * {@code scard:unlock}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the disposition, as {@link #UNLOCK_USAGE} says
     * @return what was unlocked, or null after {@code --help}
     */
    @Descriptor(UNLOCK_SUMMARY)
    public Object unlock(CommandSession session, @Descriptor(UNLOCK_DETAILS) CharSequence... words) {
        return UNLOCK.run(session, words, w -> unlock(session, w.count() > 0 ? w.argument(0) : "leave"));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String STATUS_SUMMARY = "show this session's attachment (Status): reader, backend, card state and"
            + " protocol with their numbers, ATR";
    /** The command's usage line, options and arguments. */
    static final String STATUS_DETAILS = "Usage: scard:status\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE;
    static final String STATUS_USAGE = STATUS_SUMMARY + "\n" + STATUS_DETAILS;
    static final CommandUsage STATUS = CommandUsage.of("scard:status", STATUS_USAGE);

    /**
     * {@code scard:status}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words nothing but {@code --help}
     * @return the status, or null after {@code --help}
     */
    @Descriptor(STATUS_SUMMARY)
    public Object status(CommandSession session, @Descriptor(STATUS_DETAILS) CharSequence... words) {
        return STATUS.run(session, words, w -> status(session));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String APDU_SUMMARY = "send a command APDU to the attached card and show the response data and the"
            + " status word";
    /** The command's usage line, options and arguments. */
    static final String APDU_DETAILS = "Usage: scard:apdu [--] <hex>...\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <hex>...  the command in hex; bytes may be separated by spaces or ':' (00 A4 04 00, 00:A4:04:00,"
            + " 00A40400)\n";
    static final String APDU_USAGE = APDU_SUMMARY + "\n" + APDU_DETAILS;
    static final CommandUsage APDU = CommandUsage.of("scard:apdu", APDU_USAGE);

    /**
     * {@code scard:apdu}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the command APDU, as {@link #APDU_USAGE} says
     * @return the response, or null after {@code --help}
     */
    @Descriptor(APDU_SUMMARY)
    public Object apdu(CommandSession session, @Descriptor(APDU_DETAILS) CharSequence... words) {
        return APDU.run(session, words, w -> apdu(session, w.from(0)));
    }

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String INTERFACE_SUMMARY = "create an interface for the attached card (CreateInterface) by its GUID or"
            + " its name, and say which factory answered; ISCardFileAccess, ISCardVerify and ISCardAuth (or their"
            + " IIDs) are the card services' own, other names and GUIDs come from SCardInterfaceFactory services";
    /** The command's usage line, options and arguments. */
    static final String INTERFACE_DETAILS = "Usage: scard:iface [options] [--] <interface>\n"
            + "Options:\n"
            + "  -n, --name <name>  with a GUID: the name to fall back on when no factory has that GUID\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  <interface>  the interface's GUID (8-4-4-4-12 hex digits, braces allowed) or name (CryptoProvider,"
            + " ISCardAuth)\n";
    static final String INTERFACE_USAGE = INTERFACE_SUMMARY + "\n" + INTERFACE_DETAILS;
    static final CommandUsage INTERFACE = CommandUsage.of("scard:iface", INTERFACE_USAGE);

    /**
     * {@code scard:iface}.
     *
     * @param session the Gogo session, whose attachment this is
     * @param words the options and the interface, as {@link #INTERFACE_USAGE} says
     * @return what was created and by which factory, or null after {@code --help}
     */
    @Descriptor(INTERFACE_SUMMARY)
    public Object iface(CommandSession session, @Descriptor(INTERFACE_DETAILS) CharSequence... words) {
        return INTERFACE.run(session, words, w -> createInterface(session, w.argument(0), w.option("--name", "")));
    }

    // ---------------------------------------------------------------------------------------------- readers

    String readers(String backend) {
        List<ServiceReference<SCardResourceManager>> refs = resourceManagers(backend);
        if (refs.isEmpty()) {
            if (!backend.isEmpty()) {
                throw ShellFailures.badInput(unknownBackend(backend));
            }
            return "No readers (no smart-card backend is running)";
        }
        List<ReaderInfo> readers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (ServiceReference<SCardResourceManager> ref : refs) {
            try {
                readers.addAll(use(ref, SCardResourceManager::listReaders));
            } catch (SCardException e) {
                problems.add("Backend '" + backendOf(ref) + "': " + e.getMessage());
            }
        }
        return Formats.readerTable(readers, problems);
    }

    // ----------------------------------------------------------------------------------------------- attach

    String attach(CommandSession session, String backend, String protocols, String... reader) {
        Set<Protocol> preferred = ShellArgs.protocols(protocols);
        Target target = target(reader, backend);
        Attachment attachment = attachmentFor(session, target.backend());
        try {
            attachment.manager.attachByIfd(target.reader(), target.mode(), preferred);
        } catch (RuntimeException e) {
            forgetIfUnused(session, attachment);
            throw UserErrors.userError(e);
        }
        attachment.attached(target.reader(), target.mode(), null);
        sessions.put(session, attachment);
        return attachedMessage(attachment, null);
    }

    /**
     * {@code scard:attach-handle}, which {@link AttachHandleCommand} registers (its name is not a Java name).
     *
     * @throws IllegalArgumentException for a handle this session did not open with scard:connect, or has
     *         disconnected ({@code E_INVALIDARG})
     */
    String attachHandle(CommandSession session, String backend, String handleWord) {
        long value = ShellArgs.handle(handleWord);
        CardHandle own = sessionHandle(session, value, backend);
        Attachment attachment = attachmentFor(session, own.backend());
        try {
            attachment.manager.attachByHandle(value);
        } catch (RuntimeException e) {
            forgetIfUnused(session, attachment);
            throw UserErrors.userError(e);
        }
        attachment.attached(own.readerName(), own.shareMode(), value);
        sessions.put(session, attachment);
        return attachedMessage(attachment, "handle " + value);
    }

    String detach(CommandSession session) {
        dropIfStopped(session);
        Attachment attachment = sessions.remove(session);
        if (attachment == null) {
            return "Not attached";
        }
        String reader = attachment.readerName();
        release(attachment);
        Long handle = attachment.handle;
        return "Detached from '" + reader + "'"
                + (handle == null ? "" : "; handle " + handle + " stays open, scard:disconnect " + handle
                        + " closes it");
    }

    // ---------------------------------------------------------------------------------------------- handles

    /** The session variable {@code scard:connect} puts the new handle into, so that scripts can say {@code $handle}. */
    static final String HANDLE_VARIABLE = "handle";

    /**
     * {@code scard:connect}: opens a handle that belongs to this session: only this session attaches to it
     * ({@code scard:attach-handle}) and disconnects it; it is disconnected when the session is forgotten. Handle
     * values are random, so the handle also goes into the session variable {@value #HANDLE_VARIABLE}.
     */
    String connect(CommandSession session, String backend, String protocols, String... reader) {
        Set<Protocol> preferred = ShellArgs.protocols(protocols);
        Target target = target(reader, backend);
        opened.expunge().forEach(this::disconnectAll);
        CardHandle handle = withResourceManager(target.backend(),
                rm -> rm.connect(target.reader(), target.mode(), preferred));
        Map<HandleKey, CardHandle> mine;
        synchronized (opened) {
            mine = opened.get(session);
            if (mine == null) {
                mine = new LinkedHashMap<>();
                opened.put(session, mine);
            }
        }
        synchronized (mine) {
            mine.put(new HandleKey(handle.backend(), handle.value()), handle);
        }
        session.put(HANDLE_VARIABLE, handle.value());
        long n = handle.value();
        return "Handle " + n + " connected to '" + handle.readerName() + "' (" + Formats.word(handle.shareMode())
                + ", " + Formats.protocol(handle.protocol()) + "); scard:attach-handle " + n
                + " attaches to it, scard:disconnect " + n + " closes it";
    }

    /**
     * {@code scard:disconnect <handle>}: closes a handle this session opened, leaving the card as it is.
     *
     * @throws IllegalArgumentException for a handle this session did not open ({@code E_INVALIDARG})
     */
    String disconnect(CommandSession session, String backend, String handle) {
        return disconnect(session, backend, handle, "leave");
    }

    /**
     * {@code scard:disconnect <handle> <disposition>}: closes a handle this session opened.
     *
     * @throws IllegalArgumentException for a handle this session did not open, or a bad disposition
     *         ({@code E_INVALIDARG})
     */
    String disconnect(CommandSession session, String backend, String handle, String disposition) {
        long value = ShellArgs.handle(handle);
        Disposition how = ShellArgs.disposition(disposition, ShellArgs.of(Disposition.values()));
        CardHandle own = sessionHandle(session, value, backend);
        try {
            withResourceManager(own.backend(), rm -> {
                rm.disconnect(value, how);
                return null;
            });
        } catch (SCardException e) {
            if (e.code() == HResult.E_INVALIDARG) {
                forget(session, own); // the backend no longer knows it
            }
            throw e;
        }
        forget(session, own);
        return "Disconnected handle " + value + " from '" + own.readerName() + "' (" + Formats.word(how) + ")";
    }

    // ------------------------------------------------------------------------------------ attached commands

    String reconnect(CommandSession session) {
        return reconnect(session, "leave");
    }

    String reconnect(CommandSession session, String initialization) {
        Disposition how = ShellArgs.disposition(initialization,
                ShellArgs.of(Disposition.LEAVE, Disposition.RESET, Disposition.UNPOWER));
        Attachment attachment = attached(session);
        attachment.manager.reconnect(how);
        CardStatus status = attachment.manager.status();
        return "Reconnected to '" + status.readerName() + "' (" + Formats.word(how) + ", "
                + Formats.protocol(status.protocol()) + ", ATR " + Formats.hex(status.atr()) + ")";
    }

    String lock(CommandSession session) {
        Attachment attachment = attached(session);
        attachment.manager.lock();
        return "Locked '" + attachment.readerName() + "'";
    }

    String lock(CommandSession session, String timeout) {
        Duration wait = Durations.parse(timeout);
        Attachment attachment = attached(session);
        attachment.manager.lock(wait);
        return "Locked '" + attachment.readerName() + "'";
    }

    String unlock(CommandSession session) {
        return unlock(session, "leave");
    }

    String unlock(CommandSession session, String disposition) {
        Disposition how = ShellArgs.disposition(disposition, ShellArgs.of(Disposition.values()));
        Attachment attachment = attached(session);
        attachment.manager.unlock(how);
        return "Unlocked '" + attachment.readerName() + "' (" + Formats.word(how) + ")";
    }

    String status(CommandSession session) {
        Attachment attachment = attached(session);
        return Formats.status(attachment.manager.status(), attachment.backend, attachment.handle);
    }

    String apdu(CommandSession session, String... hex) {
        byte[] command = HexInput.apdu(hex);
        try {
            Attachment attachment = attached(session);
            return Formats.response(attachment.manager.transmit(command));
        } finally {
            Arrays.fill(command, (byte) 0); // it may be a VERIFY with a PIN
        }
    }

    /**
     * {@code scard:iface}: CreateInterface by GUID or name, saying what answered: the interfaces the created
     * object implements, the factory service that made it (found by the bundle of the object's class among the
     * factories registered for that GUID or name) and the object's own description.
     */
    String createInterface(CommandSession session, String interfaceWord, String fallbackName) {
        String word = interfaceWord.strip();
        UUID guid = null;
        String name = fallbackName.isEmpty() ? null : fallbackName;
        try {
            guid = UUID.fromString(word.startsWith("{") && word.endsWith("}") ? word.substring(1, word.length() - 1)
                    : word);
        } catch (IllegalArgumentException e) {
            if (name != null) {
                throw ShellFailures.badInput("'" + CommandUsage.shown(word) + "' is not a GUID; -n gives the name"
                        + " to fall back on when a GUID is given");
            }
            name = word;
        }
        Attachment attachment = attached(session);
        Object created = attachment.manager.createInterface(guid, name, null);
        List<String> apis = new ArrayList<>();
        for (Class<?> type : allInterfaces(created.getClass())) {
            if (type.getName().startsWith("dev.scard.api.")) {
                apis.add(type.getSimpleName());
            }
        }
        String asked = guid == null ? "name '" + name + "'" : "GUID " + guid + (name == null ? "" : " or name '"
                + name + "'");
        return "Created " + (apis.isEmpty() ? created.getClass().getSimpleName() : String.join(", ", apis))
                + " for " + asked + "; answered by " + factoryOf(created, guid, name) + ": " + created;
    }

    /** The factory service that made {@code created}, as well as the registry tells: its bundle and properties. */
    private String factoryOf(Object created, UUID guid, String name) {
        org.osgi.framework.Bundle bundle = org.osgi.framework.FrameworkUtil.getBundle(created.getClass());
        if (bundle == null) {
            return "a factory outside any bundle (" + created.getClass().getName() + ")";
        }
        String where = "bundle " + bundle.getSymbolicName() + " " + bundle.getVersion();
        for (ServiceReference<dev.scard.api.SCardInterfaceFactory> ref
                : references(dev.scard.api.SCardInterfaceFactory.class, null)) {
            if (ref.getBundle() == null || ref.getBundle().getBundleId() != bundle.getBundleId()) {
                continue;
            }
            Object g = ref.getProperty(SCardServiceProperties.INTERFACE_GUID);
            Object n = ref.getProperty(SCardServiceProperties.INTERFACE_NAME);
            if ((guid != null && guid.toString().equalsIgnoreCase(String.valueOf(g)))
                    || (name != null && name.equals(n))) {
                Object atr = ref.getProperty(SCardServiceProperties.ATR_PATTERN);
                return "the factory service " + ref.getProperty(org.osgi.framework.Constants.SERVICE_ID) + " of "
                        + where + " (" + SCardServiceProperties.INTERFACE_NAME + "=" + n + ", ranking "
                        + ref.getProperty(org.osgi.framework.Constants.SERVICE_RANKING)
                        + (atr == null ? "" : ", ATR " + atr) + ")";
            }
        }
        return "a factory of " + where;
    }

    private static Set<Class<?>> allInterfaces(Class<?> type) {
        Set<Class<?>> all = new java.util.LinkedHashSet<>();
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                all.add(i);
                all.addAll(allInterfaces(i));
            }
        }
        return all;
    }

    /** The reader names of every running backend (or of one), for completion; empty when none answers. */
    List<String> readerNames(String backend) {
        List<String> names = new ArrayList<>();
        for (ServiceReference<SCardResourceManager> ref : resourceManagers(backend)) {
            try {
                for (ReaderInfo reader : use(ref, SCardResourceManager::listReaders)) {
                    names.add(reader.name());
                }
            } catch (RuntimeException e) {
                // a backend that cannot list its readers offers none
            }
        }
        return names;
    }

    /** The names of the running backends, for completion. */
    Set<String> backendNames() {
        return runningBackends();
    }

    /**
     * What this session is attached to, for the trace and record commands: the manager's trace id
     * ({@link dev.scard.api.trace.TraceableManager}), its backend and the manager.
     *
     * @throws IllegalStateException when the session is not attached ({@link HResult#SCARD_E_INVALID_HANDLE}), or
     *         its manager has no trace id (a backend host without the card trace)
     */
    TracedAttachment tracedAttachment(CommandSession session) {
        Attachment attachment = attached(session);
        if (!(attachment.service instanceof dev.scard.api.trace.TraceableManager traced)) {
            throw ShellFailures.unavailable("the '" + attachment.backend + "' manager of this session cannot be"
                    + " traced (its ISCardManage is not the core's)");
        }
        return new TracedAttachment(traced.traceId(), attachment.backend, attachment.manager);
    }

    /**
     * This session's attachment as the trace sees it.
     *
     * @param traceId the manager's trace id
     * @param backend its backend
     * @param manager the manager (its failures as the shell's user errors)
     */
    record TracedAttachment(String traceId, String backend, ISCardManage manager) {
    }

    // ------------------------------------------------------------------------------------------- internals

    /**
     * A value that lives exactly as long as this session's attachment, for the commands of other classes
     * (the card services of {@link FileCommands}, {@link PinCommands} and {@link AuthCommands}): made from the
     * attached manager on first use, kept while the session stays attached (also across scard:reconnect),
     * dropped with the attachment (scard:detach, the backend stopping), so a new attachment gets a new one.
     *
     * @param key what the value is; one value per key and attachment
     * @param create makes the value from the attached manager; when it throws, nothing is kept
     * @throws IllegalStateException when the session is not attached ({@link HResult#SCARD_E_INVALID_HANDLE})
     */
    <T> T perAttachment(CommandSession session, Class<T> key, java.util.function.Function<ISCardManage, T> create) {
        Attachment attachment = attached(session);
        synchronized (attachment.values) {
            Object value = attachment.values.get(key);
            if (value == null) {
                value = create.apply(attachment.manager);
                attachment.values.put(key, value);
            }
            return key.cast(value);
        }
    }

    /** Sends a command APDU to the card this session is attached to (for the file commands' own questions). */
    byte[] transmit(CommandSession session, byte[] command) {
        return attached(session).manager.transmit(command);
    }

    /** How long a file command waits for the card's lock ({@link #underLock}) before it goes on without it. */
    static final Duration COMMAND_LOCK_WAIT = Duration.ofSeconds(1);

    /**
     * Runs one file command under the card's lock, so that the card services may keep their selection from one call
     * to the next (no other application can select another file meanwhile): takes the lock when the session does
     * not hold it (waiting at most {@link #COMMAND_LOCK_WAIT}; when it cannot be had, the command runs without it,
     * selecting once per call), and releases it afterwards, leaving the card as it is. A lock the session holds
     * (scard:lock) is left alone.
     */
    <T> T underLock(CommandSession session, java.util.function.Supplier<T> command) {
        ISCardManage manager = attached(session).manager;
        boolean taken = false;
        if (!manager.isLocked()) {
            try {
                manager.lock(COMMAND_LOCK_WAIT);
                taken = true;
            } catch (SCardException e) {
                // busy or gone: the command itself says what is wrong, or runs unlocked
            }
        }
        try {
            return command.get();
        } finally {
            if (taken) {
                try {
                    manager.unlock();
                } catch (SCardException e) {
                    // the attachment ended meanwhile, which ended the lock
                }
            }
        }
    }

    /** The session's attachment; fails when the session is not attached or its backend went away. */
    private Attachment attached(CommandSession session) {
        String stopped = dropIfStopped(session);
        if (stopped != null) {
            throw ShellFailures.notAttached("not attached: the '" + stopped + "' backend stopped; run scard:attach"
                    + " again");
        }
        Attachment attachment = sessions.get(session);
        if (attachment == null) {
            throw ShellFailures.notAttached(NOT_ATTACHED);
        }
        return attachment;
    }

    /**
     * Releases what forgotten sessions held and drops this session's attachment when its backend stopped.
     *
     * @return the stopped backend's name when the attachment was dropped, else null
     */
    private String dropIfStopped(CommandSession session) {
        sessions.expunge().forEach(ScardCommands::release);
        Attachment attachment = sessions.get(session);
        if (attachment == null || attachment.ref.getBundle() != null) {
            return null;
        }
        sessions.remove(session);
        release(attachment);
        return attachment.backend;
    }

    /**
     * The session's manager for the backend: its current one when it is on that backend (the API then reports
     * an attach-while-attached itself), or a fresh instance when the session has none.
     *
     * @throws SCardException {@link HResult#E_FAIL} when the session is attached on another backend
     */
    private Attachment attachmentFor(CommandSession session, String backend) {
        dropIfStopped(session);
        Attachment current = sessions.get(session);
        if (current != null) {
            if (current.backend.equals(backend)) {
                return current;
            }
            throw new SCardException(HResult.E_FAIL, "this session is attached to '" + current.readerName()
                    + "' (" + current.backend + "); run scard:detach first");
        }
        return newAttachment(backend);
    }

    /** Releases a fresh manager that did not get attached; an existing attachment stays as it was. */
    private void forgetIfUnused(CommandSession session, Attachment attachment) {
        if (sessions.get(session) != attachment) {
            release(attachment);
        }
    }

    private Attachment newAttachment(String backend) {
        ServiceReference<ISCardManage> best = null;
        for (ServiceReference<ISCardManage> ref : references(ISCardManage.class, backendFilter(backend))) {
            if (best == null || ref.compareTo(best) > 0) {
                best = ref;
            }
        }
        ServiceObjects<ISCardManage> objects = best == null ? null : context.getServiceObjects(best);
        ISCardManage manager = objects == null ? null : objects.getService();
        if (manager == null) {
            throw ShellFailures.unavailable("no ISCardManage service for backend '" + backend + "'");
        }
        return new Attachment(backend, best, objects, manager);
    }

    private static void release(Attachment attachment) {
        try {
            attachment.manager.detach();
        } catch (RuntimeException e) {
            // released or stopped already: ungetService below is all that is left
        }
        try {
            attachment.objects.ungetService(attachment.service);
        } catch (RuntimeException e) {
            // the service was unregistered, which released the instance already
        }
    }

    private String attachedMessage(Attachment attachment, String via) {
        CardStatus status;
        try {
            status = attachment.manager.status();
        } catch (SCardException e) {
            return "Attached to '" + attachment.readerName() + "'" + (via == null ? "" : " via " + via)
                    + " (status unavailable: " + e.getMessage() + ")";
        }
        if (attachment.reader == null) {
            attachment.reader = status.readerName();
        }
        return Formats.attached(status, via, attachment.mode);
    }

    /**
     * The reader, share mode and owning backend that the words of {@code attach} and {@code connect} name. The
     * owner is the best-ranked backend whose resource manager lists the reader.
     */
    private Target target(String[] words, String backend) {
        String[] parts = CommandText.readerAndOption(words, ShellArgs::isShareMode, "scard:readers");
        List<ServiceReference<SCardResourceManager>> refs = resourceManagers(backend);
        if (refs.isEmpty()) {
            if (!backend.isEmpty()) {
                throw ShellFailures.badInput(unknownBackend(backend));
            }
            throw ShellFailures.unavailable("no smart-card backend is running (no SCardResourceManager service)");
        }
        Map<String, String> owners = new HashMap<>();
        String problem = null;
        for (ServiceReference<SCardResourceManager> ref : refs) {
            try {
                for (ReaderInfo reader : use(ref, SCardResourceManager::listReaders)) {
                    owners.putIfAbsent(reader.name(), backendOf(ref));
                }
            } catch (SCardException e) {
                if (problem == null) {
                    problem = "backend '" + backendOf(ref) + "': " + e.getMessage();
                }
            }
        }
        String owner = owners.get(parts[0]);
        if (owner == null) {
            if (parts[1] == null && words.length > 1) {
                String last = words[words.length - 1];
                String shorter = CommandText.readerAndOption(Arrays.copyOf(words, words.length - 1), w -> false,
                        "scard:readers")[0];
                if (owners.containsKey(shorter)) {
                    ShellArgs.shareMode(last); // fails, naming the word
                }
            }
            throw ShellFailures.badInput("unknown reader '" + CommandUsage.shown(parts[0]) + "'"
                    + (problem == null ? " (scard:readers lists the readers)" : " (" + problem + ")"));
        }
        return new Target(parts[0], parts[1] == null ? ShareMode.SHARED : ShellArgs.shareMode(parts[1]), owner);
    }

    /** A handle number within its backend: numbers are unique per backend only. */
    private record HandleKey(String backend, long value) {
    }

    /** A reader, how to share it, and the backend that owns it. */
    private record Target(String reader, ShareMode mode, String backend) {
    }

    /**
     * The handle {@code value} this session opened (on {@code backend} when one is named): a session attaches to and
     * disconnects only its own handles.
     *
     * @throws IllegalArgumentException when the session opened no such handle, or it is on several backends and none
     *         is named ({@code E_INVALIDARG})
     */
    private CardHandle sessionHandle(CommandSession session, long value, String backend) {
        if (!backend.isEmpty() && resourceManagers(backend).isEmpty()) {
            throw ShellFailures.badInput(unknownBackend(backend));
        }
        List<CardHandle> matches = new ArrayList<>();
        Map<HandleKey, CardHandle> mine;
        synchronized (opened) {
            mine = opened.get(session);
        }
        if (mine != null) {
            synchronized (mine) {
                for (CardHandle handle : mine.values()) {
                    if (handle.value() == value && (backend.isEmpty() || backend.equals(handle.backend()))) {
                        matches.add(handle);
                    }
                }
            }
        }
        if (matches.isEmpty()) {
            throw ShellFailures.badInput("no handle " + value + " opened in this session"
                    + (backend.isEmpty() ? "" : " on backend '" + backend + "'")
                    + " (scard:connect opens one; a handle belongs to the session that opened it)");
        }
        if (matches.size() > 1) {
            Set<String> issuers = new TreeSet<>();
            matches.forEach(handle -> issuers.add(handle.backend()));
            throw ShellFailures.badInput("handle " + value + " exists on several backends " + issuers
                    + "; name one with -b");
        }
        return matches.get(0);
    }

    /** Drops a handle from the session's own handles. */
    private void forget(CommandSession session, CardHandle handle) {
        Map<HandleKey, CardHandle> mine;
        synchronized (opened) {
            mine = opened.get(session);
        }
        if (mine != null) {
            synchronized (mine) {
                mine.remove(new HandleKey(handle.backend(), handle.value()));
            }
        }
    }

    private <T> T withResourceManager(String backend, java.util.function.Function<SCardResourceManager, T> call) {
        List<ServiceReference<SCardResourceManager>> refs = resourceManagers(backend);
        if (refs.isEmpty()) {
            throw ShellFailures.unavailable("the '" + backend + "' backend is not running");
        }
        return use(refs.get(0), call);
    }

    private <S, T> T use(ServiceReference<S> ref, java.util.function.Function<S, T> call) {
        S service = context.getService(ref);
        if (service == null) {
            throw ShellFailures.unavailable("the '" + backendOf(ref) + "' backend stopped");
        }
        try {
            return call.apply(service);
        } catch (RuntimeException e) {
            throw UserErrors.userError(e);
        } finally {
            context.ungetService(ref);
        }
    }

    /**
     * The resource managers, best-ranked first, of one backend or (for "") of all: each backend's own registration
     * (with {@code scard.backend}), not the extra one the default backend has for greedy consumers (see
     * {@link BackendCommands}). The rankings follow {@code scard:use}, so a reader name two backends share goes to
     * the default one.
     */
    private List<ServiceReference<SCardResourceManager>> resourceManagers(String backend) {
        List<ServiceReference<SCardResourceManager>> refs = new ArrayList<>(references(SCardResourceManager.class,
                backend.isEmpty() ? "(" + SCardServiceProperties.BACKEND + "=*)" : backendFilter(backend)));
        refs.sort((a, b) -> b.compareTo(a));
        return refs;
    }

    private Set<String> runningBackends() {
        Set<String> names = new TreeSet<>();
        for (ServiceReference<SCardResourceManager> ref : resourceManagers("")) {
            names.add(backendOf(ref));
        }
        return names;
    }

    private String unknownBackend(String backend) {
        Set<String> running = runningBackends();
        return "unknown backend '" + CommandUsage.shown(backend) + "'" + (running.isEmpty() ? " (no backend is running)"
                : " (running: " + String.join(", ", running) + ")");
    }

    private <S> Collection<ServiceReference<S>> references(Class<S> type, String filter) {
        try {
            return context.getServiceReferences(type, filter);
        } catch (InvalidSyntaxException e) {
            throw ShellFailures.badInput("bad backend name: " + e.getMessage());
        }
    }

    private static String backendFilter(String backend) {
        StringBuilder escaped = new StringBuilder();
        for (char c : backend.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return "(" + SCardServiceProperties.BACKEND + "=" + escaped + ")";
    }

    private static String backendOf(ServiceReference<?> ref) {
        Object backend = ref.getProperty(SCardServiceProperties.BACKEND);
        if (backend instanceof String[]) {
            return String.join(",", Arrays.asList((String[]) backend));
        }
        return String.valueOf(backend);
    }

    /** One session's manager instance and what the shell knows of its attachment. */
    private static final class Attachment {
        final String backend;
        final ServiceReference<ISCardManage> ref;
        final ServiceObjects<ISCardManage> objects;
        /** The service object, as {@link #objects} gave it (to give back). */
        final ISCardManage service;
        /** {@link #service} with its failures as the shell's {@link UserErrors}: what the commands call. */
        final ISCardManage manager;
        volatile String reader;
        volatile ShareMode mode;
        volatile Long handle;
        /** Values of {@link #perAttachment}, by key; they die with this object. */
        final Map<Class<?>, Object> values = new HashMap<>();

        Attachment(String backend, ServiceReference<ISCardManage> ref, ServiceObjects<ISCardManage> objects,
                ISCardManage manager) {
            this.backend = backend;
            this.ref = ref;
            this.objects = objects;
            this.service = manager;
            this.manager = UserErrors.reporting(ISCardManage.class, manager);
        }

        void attached(String readerName, ShareMode shareMode, Long handleValue) {
            reader = readerName;
            mode = shareMode;
            handle = handleValue;
        }

        String readerName() {
            if (reader == null) {
                try {
                    reader = manager.status().readerName();
                } catch (RuntimeException e) {
                    return "?";
                }
            }
            return reader;
        }
    }
}
