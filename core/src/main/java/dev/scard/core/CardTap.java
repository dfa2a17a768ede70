package dev.scard.core;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.scard.api.Disposition;
import dev.scard.api.SCardEvent;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceListener;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.core.log.Log;
import dev.scard.core.spi.ReaderConnection;
import dev.scard.iso7816.CommandPattern;
import dev.scard.iso7816.SecretCommands;

/**
 * The card trace's tap, once for every backend: the {@link CardManager}s report here every APDU that reaches a card
 * ({@link ApduExchange}, through a {@link Probe}) and their attachments' events, the {@link BackendHost} the
 * backends' card insertions, removals and resets, and the tap hands them to the {@link CardTraceListener}s whose
 * properties ({@link CardTraceProperties}, {@code scard.backend}) let them through.
 *
 * <p><b>Secrets.</b> The data of a command that carries a PIN or key is withheld here, before any listener is called:
 * listeners get the header and Lc and how many bytes were withheld. The secret commands are those of the built-in rule
 * ({@link SecretCommands}, always), those the configuration {@value #SECRETS_PID} adds ({@link #secretCommands}) for
 * every backend, and those the card marks ({@link ReaderConnection#secretCommands()}, such as a simulated card's
 * profile). This is the one place that decides it.
 *
 * <p><b>Cost when nobody listens.</b> The listeners are an immutable array replaced on every change (copy on write);
 * {@link #probe} reads it once per exchange (a volatile read) and, when it is empty, returns null without allocating,
 * and the exchange then makes no other call here. The map of which attachment is on which reader changes on attach
 * and detach only.
 *
 * <p><b>Threads and order.</b> APDU and attachment events ({@code ATTACHED}, {@code DETACHED}, lock, reconnect) are
 * handed to the listeners on the thread of the call that caused them, as they happen. A backend's card events come
 * through its {@link EventDispatcher}, which calls {@link #cardEvent} on its delivery thread
 * ({@code scard-<backend>-events}) before its own listeners, in the order the backend published them: never on the
 * publishing thread, which may hold the backend's locks. So a card event reaches the listeners a little after it
 * happened and may follow APDU events of commands sent after it; its time is when the backend published it, so
 * events sorted by time are in the order they happened. A listener hears only the card events published after it
 * was added (one delivered after it was added but published before is not handed to it): a trace never shows an
 * event from before it began.
 *
 * <p>Thread-safe. A listener that throws is logged once and skipped.
 */
public final class CardTap {

    private static final Log LOG = BackendHost.LOGS.logger(CardTap.class);
    private static final Subscriber[] NONE = new Subscriber[0];

    /** The configuration that names further secret commands ({@link TraceSecretsConfig}). */
    static final String SECRETS_PID = "dev.scard.trace.secrets";
    /** Its property: the patterns ({@link CommandPattern}). */
    static final String SECRET_COMMANDS_PROPERTY = "secretCommands";

    /** The listeners now; never null, replaced (never changed) under {@code this}. */
    private volatile Subscriber[] subscribers = NONE;
    /** The reader each attachment (trace id) is attached to now. */
    private final Map<String, String> attachedTo = new ConcurrentHashMap<>();
    /** The secret commands the configuration adds to the built-in rule; never null, replaced (never changed). */
    private volatile List<CommandPattern> configuredSecrets = List.of();

    /** One listener and what it hears. */
    private static final class Subscriber {
        final CardTraceListener listener;
        final String backend;
        final Set<String> readers;
        final String attachment;
        /** When it was added ({@link TraceClock}): it hears no card event published before. */
        final Instant added;
        volatile boolean failed;

        Subscriber(CardTraceListener listener, String backend, Set<String> readers, String attachment,
                Instant added) {
            this.listener = listener;
            this.backend = backend;
            this.readers = readers;
            this.attachment = attachment;
            this.added = added;
        }

        boolean hears(CardTraceEvent event, Map<String, String> attachedTo) {
            if (backend != null && !backend.equals(event.backend())) {
                return false;
            }
            if (readers != null && !readers.contains(event.reader())) {
                return false;
            }
            if (attachment == null) {
                return true;
            }
            if (event.attachment() != null) {
                return attachment.equals(event.attachment());
            }
            return event.reader().equals(attachedTo.get(attachment));
        }
    }

    /**
     * Adds a listener with its service properties: {@link SCardServiceProperties#BACKEND},
     * {@link CardTraceProperties#READER} and {@link CardTraceProperties#ATTACHMENT} choose what it hears. Its trace
     * begins now: a card event published before (and delivered after, on the backend's event thread) is not handed
     * to it ({@link #cardEvent}).
     */
    public synchronized void add(CardTraceListener listener, Map<String, ?> properties) {
        Objects.requireNonNull(listener, "listener");
        Object backend = properties.get(SCardServiceProperties.BACKEND);
        Object attachment = properties.get(CardTraceProperties.ATTACHMENT);
        Subscriber subscriber = new Subscriber(listener, backend == null ? null : backend.toString(),
                readers(properties.get(CardTraceProperties.READER)),
                attachment == null ? null : attachment.toString(), TraceClock.now());
        Subscriber[] now = subscribers;
        Subscriber[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = subscriber;
        subscribers = next;
    }

    /** Removes a listener (every registration of it); an event being delivered may still reach it. */
    public synchronized void remove(CardTraceListener listener) {
        List<Subscriber> kept = new ArrayList<>();
        for (Subscriber subscriber : subscribers) {
            if (subscriber.listener != listener) {
                kept.add(subscriber);
            }
        }
        subscribers = kept.isEmpty() ? NONE : kept.toArray(NONE);
    }

    private static Set<String> readers(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String[] names) {
            return Set.of(names);
        }
        if (value instanceof Collection<?> names) {
            Set<String> set = ConcurrentHashMap.newKeySet();
            names.forEach(name -> set.add(String.valueOf(name)));
            return set;
        }
        return Set.of(value.toString());
    }

    /**
     * Sets the commands the configuration ({@value #SECRETS_PID}) marks secret for every backend, replacing those set
     * before: each entry a {@link CommandPattern}. An entry that is not one is logged as an ERROR naming the setting,
     * the entry and what is wrong, and left out; the others apply, and so does the built-in rule, always.
     *
     * @param entries the configured patterns; null is none
     */
    void secretCommands(String[] entries) {
        List<CommandPattern> patterns = new ArrayList<>();
        for (int i = 0; entries != null && i < entries.length; i++) {
            try {
                patterns.add(CommandPattern.parse(entries[i]));
            } catch (IllegalArgumentException e) {
                LOG.log(Level.ERROR, SECRET_COMMANDS_PROPERTY + "[" + i + "] '" + entries[i] + "' (PID "
                        + SECRETS_PID + ") is not a command pattern: " + e.getMessage() + ". It is left out; the "
                        + "other entries and the built-in rule (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, "
                        + "...) apply.");
            }
        }
        configuredSecrets = List.copyOf(patterns);
    }

    /** The secret commands the configuration adds now. */
    List<CommandPattern> secretCommands() {
        return configuredSecrets;
    }

    /** Whether any listener is registered (one volatile read). */
    boolean isOn() {
        return subscribers.length != 0;
    }

    /**
     * What an exchange of {@code attachment} on {@code reader} reports its APDUs to, or null (without allocating)
     * when nobody listens.
     */
    Probe probe(String backend, String reader, String attachment) {
        return probe(backend, reader, attachment, null);
    }

    /**
     * As {@link #probe(String, String, String)}, for an exchange on {@code connection}, whose card's own secret
     * commands ({@link ReaderConnection#secretCommands()}) are withheld too; asked only while someone listens.
     */
    Probe probe(String backend, String reader, String attachment, ReaderConnection connection) {
        return probe(backend, reader, attachment, connection, null);
    }

    /**
     * As {@link #probe(String, String, String, ReaderConnection)}, reusing {@code last} (the probe this caller got
     * before, or null) when it is of the same reader and attachment and the secret commands are the same lists as
     * then: an exchange then allocates nothing for its probe.
     */
    Probe probe(String backend, String reader, String attachment, ReaderConnection connection, Probe last) {
        if (subscribers.length == 0) {
            return null;
        }
        List<CommandPattern> configured = configuredSecrets;
        List<CommandPattern> card = connection == null ? List.of() : connection.secretCommands();
        if (last != null && last.tap == this && last.configured == configured && last.card == card
                && last.backend == backend && last.reader == reader && last.attachment == attachment) {
            return last;
        }
        List<CommandPattern> secrets = configured;
        if (!card.isEmpty()) {
            List<CommandPattern> both = new ArrayList<>(secrets);
            both.addAll(card);
            secrets = both;
        }
        return new Probe(this, backend, reader, attachment, configured, card, secrets);
    }

    /** Records that {@code attachment} is now attached to {@code reader} (null: detached). */
    void attachedTo(String attachment, String reader) {
        if (reader == null) {
            attachedTo.remove(attachment);
        } else {
            attachedTo.put(attachment, reader);
        }
    }

    /**
     * A backend's card event published at {@code published} ({@link TraceClock}), as the trace's
     * {@link CardTraceEvent.Type#INSERTED}, {@code REMOVED} or {@code RESET}; called on the backend's event delivery
     * thread, so a little after it was published. A listener added after {@code published} does not hear it: its
     * trace began after the event.
     */
    void cardEvent(SCardEvent event, Instant published) {
        if (subscribers.length == 0) {
            return;
        }
        CardTraceEvent.Type type = switch (event.type()) {
            case CARD_INSERTED -> CardTraceEvent.Type.INSERTED;
            case CARD_REMOVED -> CardTraceEvent.Type.REMOVED;
            case CARD_RESET -> CardTraceEvent.Type.RESET;
            default -> null;
        };
        if (type != null) {
            emit(CardTraceEvent.of(type, published, event.backend(), event.readerName(), null,
                    type == CardTraceEvent.Type.RESET ? Disposition.RESET : null, null, null, event.atrHex()),
                    true);
        }
    }

    /** Hands {@code event} to every listener that hears it. */
    void emit(CardTraceEvent event) {
        emit(event, false);
    }

    /**
     * Hands {@code event} to every listener that hears it; a card event ({@code published}: delivered after it
     * happened) only to those added at or before its time.
     */
    private void emit(CardTraceEvent event, boolean published) {
        for (Subscriber subscriber : subscribers) {
            if (!subscriber.hears(event, attachedTo) || published && event.time().isBefore(subscriber.added)) {
                continue;
            }
            try {
                subscriber.listener.traced(event);
            } catch (RuntimeException e) {
                if (!subscriber.failed) {
                    subscriber.failed = true;
                    LOG.log(Level.WARNING, "CardTraceListener " + subscriber.listener.getClass().getName()
                            + " failed on " + event + "; its later failures are not logged", e);
                }
            }
        }
    }

    /** Reports the APDUs of one exchange of one attachment (made only while someone listens). */
    static final class Probe {
        private final CardTap tap;
        private final String backend;
        private final String reader;
        private final String attachment;
        /** The configuration's secret commands and the card's, as they were when this probe was made. */
        private final List<CommandPattern> configured;
        private final List<CommandPattern> card;
        /** The secret commands beyond the built-in rule: the configuration's and the card's. */
        private final List<CommandPattern> secrets;

        Probe(CardTap tap, String backend, String reader, String attachment, List<CommandPattern> configured,
                List<CommandPattern> card, List<CommandPattern> secrets) {
            this.tap = tap;
            this.backend = backend;
            this.reader = reader;
            this.attachment = attachment;
            this.configured = configured;
            this.card = card;
            this.secrets = secrets;
        }

        /**
         * One command sent at {@code sent} and its response; the command's secret data is withheld here. The event
         * copies the arrays; a command without a secret is given to it as it is, so that it is copied once.
         */
        void apdu(Instant sent, byte[] command, byte[] response, boolean byCore) {
            int secret = SecretCommands.secretLength(command, secrets);
            tap.emit(CardTraceEvent.apdu(sent, backend, reader, attachment,
                    secret == 0 ? command : SecretCommands.withheld(command, secrets), secret, response, byCore));
        }
    }
}
