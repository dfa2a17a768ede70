package dev.scard.recorder.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceListener;

/**
 * Records every session on the configured readers ({@link AutoRecorderConfig}; one component per factory
 * configuration of {@value #FACTORY_PID}): a {@link CardTraceListener} of every reader that opens a
 * {@link SessionFile} when a manager attaches to a matching reader, writes that attachment's events and its reader's
 * insertions, removals and resets into it, and completes it when the manager detaches (or the configuration goes).
 * Sessions already running when the configuration comes, and attachments to a reader without a card, are not
 * recorded. A file that cannot be created or written
 * is logged (a warning naming it and why); the card session is never affected. Immediate: it exists from the moment
 * it is configured, so the core binds a ready listener rather than creating it while it binds.
 */
@Component(service = CardTraceListener.class, configurationPid = AutoRecorder.FACTORY_PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = AutoRecorderConfig.class, factory = true)
public final class AutoRecorder implements CardTraceListener {

    /** The factory configuration PID. */
    public static final String FACTORY_PID = "dev.scard.recorder";

    private static final System.Logger LOG = System.getLogger(AutoRecorder.class.getName());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private final List<Pattern> readers = new ArrayList<>();
    private final Path directory;
    private final String pattern;
    /** The sessions being recorded, by attachment. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Session(String reader, SessionFile file) {
    }

    /** Applies the configuration; a missing directory is logged now and each time a session cannot be recorded. */
    @Activate
    public AutoRecorder(AutoRecorderConfig config) {
        for (String glob : config.readers()) {
            if (glob != null && !glob.isBlank()) {
                readers.add(glob(glob.strip()));
            }
        }
        this.directory = Path.of(config.directory() == null ? "" : config.directory().strip());
        String name = config.fileNamePattern();
        this.pattern = name == null || name.isBlank() ? "{reader}-{time}.json" : name.strip();
        if (config.directory() == null || config.directory().isBlank()) {
            LOG.log(Level.WARNING, FACTORY_PID + ": no directory configured; no session is recorded");
        } else if (!Files.isDirectory(directory)) {
            LOG.log(Level.WARNING, FACTORY_PID + ": the directory '" + directory
                    + "' does not exist; no session is recorded until it does");
        }
    }

    /** Completes every file. */
    @Deactivate
    void deactivate() {
        closed = true;
        for (Session session : sessions.values()) {
            session.file().stop();
        }
        sessions.clear();
    }

    /** A glob with {@code *} and {@code ?} as a pattern matching a whole reader name. */
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    private boolean chosen(String reader) {
        for (Pattern p : readers) {
            if (p.matcher(reader).matches()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void traced(CardTraceEvent event) {
        if (closed) {
            return;
        }
        String attachment = event.attachment();
        if (attachment == null) {
            for (Session session : sessions.values()) {
                if (session.reader().equals(event.reader())) {
                    session.file().accept(event);
                }
            }
            return;
        }
        switch (event.type()) {
            case ATTACHED -> {
                if (chosen(event.reader()) && !event.atrHex().isEmpty()) {
                    start(event);
                }
            }
            case DETACHED -> {
                Session ended = sessions.remove(attachment);
                if (ended != null) {
                    ended.file().end(); // on the card's thread: the writer thread completes the file
                }
            }
            default -> {
                Session session = sessions.get(attachment);
                if (session != null) {
                    session.file().accept(event);
                }
            }
        }
    }

    private void start(CardTraceEvent attached) {
        Path file = directory.resolve(fileName(attached));
        try {
            SessionFile session = SessionFile.create(file, attached.reader(), attached.backend(), attached.time(),
                    attached.atrHex(), attached.protocol());
            Session previous = sessions.put(attached.attachment(), new Session(attached.reader(), session));
            if (previous != null) {
                previous.file().end();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, FACTORY_PID + ": the session of " + attached.attachment() + " on '"
                    + attached.reader() + "' is not recorded: " + e.getMessage());
        }
    }

    /** The file name for the session {@code attached} starts: the pattern filled in, made unique in the directory. */
    String fileName(CardTraceEvent attached) {
        String name = pattern.replace("{reader}", safe(attached.reader()))
                .replace("{backend}", safe(attached.backend()))
                .replace("{attachment}", safe(attached.attachment()))
                .replace("{time}", TIME.format(attached.time()));
        if (!Files.exists(directory.resolve(name))) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String extension = dot > 0 ? name.substring(dot) : "";
        for (int n = 2;; n++) {
            String candidate = stem + "-" + n + extension;
            if (!Files.exists(directory.resolve(candidate))) {
                return candidate;
            }
        }
    }

    private static String safe(String text) {
        return UNSAFE.matcher(text).replaceAll("_");
    }
}
