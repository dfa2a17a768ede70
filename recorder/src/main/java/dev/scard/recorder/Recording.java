package dev.scard.recorder;

import java.nio.file.Path;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One session being recorded into a trace file. Failing to write the file (a full disk, say) never reaches the
 * card session: the recording stops, keeps what went wrong ({@link #failure()}) and the file holds what was written
 * before.
 */
@ProviderType
public interface Recording {

    /** The file. */
    Path file();

    /** How many APDUs were written so far. */
    long apdus();

    /** How many other entries (reset, reconnect, lock, unlock, removal, insertion) were written so far. */
    long events();

    /** Whether it still records (not stopped, the attachment not ended, no failure). */
    boolean isRecording();

    /** Why writing the file failed (naming the file and the cause), or null when it did not. */
    String failure();

    /** Stops recording and completes the file; idempotent. */
    void stop();
}
