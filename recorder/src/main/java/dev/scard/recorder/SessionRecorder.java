package dev.scard.recorder;

import java.io.IOException;
import java.nio.file.Path;

import dev.scard.api.Protocol;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Records one attachment's session into a trace file, from now until {@link Recording#stop()} or the attachment
 * ends. Registered by the recorder bundle.
 */
@ProviderType
public interface SessionRecorder {

    /**
     * Starts recording the attachment whose trace id is {@code attachment}
     * ({@link dev.scard.api.trace.TraceableManager#traceId()}) into a new file.
     *
     * @param attachment the attachment's trace id
     * @param reader the reader it is attached to
     * @param backend the reader's backend
     * @param atrHex the card's ATR (hex)
     * @param protocol the active protocol, T0 or T1
     * @param file the file to create; it must not exist, its directory must
     * @return the recording, running
     * @throws IOException when the file cannot be created, with a message naming the file and why (it exists, its
     *         directory does not, no permission, no card: no ATR)
     */
    Recording record(String attachment, String reader, String backend, String atrHex, Protocol protocol, Path file)
            throws IOException;
}
