package dev.scard.shell;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.HResult;
import dev.scard.recorder.Recording;
import dev.scard.recorder.SessionRecorder;
import dev.scard.shell.text.CommandUsage;
import dev.scard.shell.text.UserErrors;

/**
 * {@code scard:record <file>} … {@code scard:record stop}: records this session's attachment into a trace file (the
 * {@code scard-trace/1} JSON format: reader, backend, ATR, protocol, each command and response with its time,
 * resets, reconnects, locks, removals and insertions), through the recorder bundle's {@link SessionRecorder}; PINs
 * and keys are withheld by the core before anything is written. {@code scard:record} alone says whether the session
 * records and how far. A recording also ends when the attachment does (scard:detach); a file that cannot be
 * written ends it too, and the next {@code scard:record} or {@code scard:record stop} reports why, while the card
 * session goes on. One recording per session. A reader without a card is refused ({@code SCARD_E_NO_SMARTCARD}),
 * a card whose status cannot be read with that failure's own code, and {@code scard:record stop} in a session that
 * does not record as bad input ({@code E_INVALIDARG}).
 */
@Component(service = RecordCommand.class, immediate = true)
@GogoCommand(scope = "scard", function = "record")
public class RecordCommand {

    private final ScardCommands commands;
    private final SessionRecorder recorder;
    private final SessionRegistry<Recording> recordings = new SessionRegistry<>();

    /**
     * @param commands the {@code scard:} commands, which hold the sessions' attachments
     * @param recorder writes the files
     */
    @Activate
    public RecordCommand(@Reference ScardCommands commands, @Reference SessionRecorder recorder) {
        this.commands = commands;
        this.recorder = recorder;
    }

    /** Completes every session's recording. */
    @Deactivate
    void deactivate() {
        recordings.clear().forEach(Recording::stop);
    }

    // ------------------------------------------------------------------------------------------ Gogo entries

    /** What the command does, in one line (Gogo's and Karaf's command lists show it). */
    static final String RECORD_SUMMARY = "record this session's attachment into a trace file (JSON, scard-trace/1:"
            + " reader, ATR, protocol, every command and response with its time, resets, reconnects, locks, removals;"
            + " PINs withheld) until 'scard:record stop' or detach; without arguments, show the recording";
    /** The command's usage line, options and arguments. */
    static final String RECORD_DETAILS = "Usage: scard:record [--] [<path>]\n"
            + "Options:\n"
            + CommandUsage.HELP_LINE
            + "Arguments:\n"
            + "  [<path>]  the trace file to create (it must not exist; its directory must), or stop to end the"
            + " recording\n";
    static final String RECORD_USAGE = RECORD_SUMMARY + "\n" + RECORD_DETAILS;

    static final CommandUsage RECORD = CommandUsage.of("scard:record", RECORD_USAGE);

    /**
     * {@code scard:record}.
     *
     * @param session the Gogo session, whose attachment is recorded
     * @param words the options and arguments, as {@link #RECORD_USAGE} says
     * @return what happened, or null after {@code --help}
     */
    @Descriptor(RECORD_SUMMARY)
    public Object record(CommandSession session, @Descriptor(RECORD_DETAILS) CharSequence... words) {
        return RECORD.run(session, words, w -> {
            String argument = w.argument(0);
            if (argument == null) {
                return status(session);
            }
            if (argument.equals("stop")) {
                return stop(session);
            }
            return start(session, argument);
        });
    }

    /** Starts recording into {@code file}. */
    String start(CommandSession session, String file) {
        recordings.expunge().forEach(Recording::stop);
        Recording running = recordings.get(session);
        if (running != null && running.isRecording()) {
            throw ShellFailures.badInput("this session records into '" + running.file() + "' already; run"
                    + " scard:record stop first");
        }
        if (file.isBlank()) {
            throw ShellFailures.badInput("no file name given: scard:record <path>");
        }
        Path path;
        try {
            path = Path.of(file.strip()).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw ShellFailures.badInput("'" + CommandUsage.shown(file) + "' is not a file name: " + e.getReason());
        }
        ScardCommands.TracedAttachment attachment = commands.tracedAttachment(session);
        // a failing status is the user's answer, with its own code (the manager reports it as a user error)
        CardStatus status = attachment.manager().status();
        if (status.state() == CardState.ABSENT) {
            throw UserErrors.card(HResult.SCARD_E_NO_SMARTCARD, "no card in '" + status.readerName() + "'", -1);
        }
        Recording recording;
        try {
            recording = recorder.record(attachment.traceId(), status.readerName(), attachment.backend(),
                    status.atrHex(), status.protocol(), path);
        } catch (IOException e) {
            throw ShellFailures.badInput(e.getMessage());
        }
        recordings.put(session, recording);
        return "Recording this session's attachment to '" + status.readerName() + "' into " + path
                + " (scard:record stop ends it)";
    }

    /** Stops the recording and says what was written. */
    String stop(CommandSession session) {
        Recording recording = recordings.remove(session);
        if (recording == null) {
            throw ShellFailures.badInput("this session is not recording (scard:record <file> starts a recording)");
        }
        recording.stop();
        if (recording.failure() != null) {
            throw ShellFailures.failed(recording.failure());
        }
        return "Recorded " + counts(recording) + " into " + recording.file();
    }

    /** Whether the session records, into which file, how far. */
    String status(CommandSession session) {
        Recording recording = recordings.get(session);
        if (recording == null) {
            return "Not recording (scard:record <path> starts)";
        }
        if (recording.failure() != null) {
            return "Recording failed: " + recording.failure();
        }
        if (!recording.isRecording()) {
            return "The recording into " + recording.file() + " ended with the attachment: " + counts(recording)
                    + " (scard:record stop forgets it)";
        }
        return "Recording into " + recording.file() + ": " + counts(recording) + " so far";
    }

    private static String counts(Recording recording) {
        long apdus = recording.apdus();
        long events = recording.events();
        return apdus + (apdus == 1 ? " APDU" : " APDUs") + " and " + events + (events == 1 ? " event" : " events");
    }
}
