package dev.scard.recorder;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One session being recorded into a trace file. Failing to write the file (a full disk, say) never reaches the
 * card session: the recording stops, keeps what went wrong ({@link #failure()}) and the file holds what was written
 * before. The card's thread only queues the events; the file is written on a thread of the recording's own. A
 * recording is complete: when the card answers faster than the file is written for so long that the queue fills up,
 * the card's thread waits for the writer (the card then goes at the writer's pace). Only when the writer takes nothing
 * for a bounded time (2 s: a disk that hangs) does the recording stop the same way ({@link #failure()} says that it
 * fell behind; the file holds the session up to there, with no gap) and the card goes on.
 */
@ProviderType
public interface Recording {

    /** The file. */
    Path file();

    /** How many APDUs were written so far (those still queued for the file come later). */
    long apdus();

    /** How many other entries (reset, reconnect, lock, unlock, removal, insertion) were written so far. */
    long events();

    /** Whether it still records (not stopped, the attachment not ended, no failure, not fallen behind). */
    boolean isRecording();

    /** Why writing the file failed (naming the file and the cause), or null when it did not. */
    String failure();

    /**
     * Stops recording and completes the file: returns once every event recorded before is in the file, waiting a
     * bounded time for that (the file is written on a thread of the recording's own; when that takes too long,
     * {@link #failure()} says so). Idempotent.
     */
    void stop();
}
