package dev.scard.recorder.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import dev.scard.api.Protocol;
import dev.scard.api.trace.CardTraceEvent;
import dev.scard.api.trace.CardTraceListener;
import dev.scard.api.trace.CardTraceProperties;
import dev.scard.recorder.Recording;
import dev.scard.recorder.SessionRecorder;

/**
 * {@link SessionRecorder}: each recording registers a {@link CardTraceListener} for its one attachment
 * ({@link CardTraceProperties#ATTACHMENT}) and writes what it hears into its {@link SessionFile}; it ends with
 * {@link Recording#stop()}, when the attachment ends, or when this component is deactivated (every file is
 * completed then). The files are written by each recording's own thread ({@link SessionFile}), never on the card's.
 */
@Component(service = SessionRecorder.class)
public final class RecorderService implements SessionRecorder {

    private final BundleContext context;
    private final Set<Active> active = ConcurrentHashMap.newKeySet();

    /** @param context registers the recordings' listeners */
    @Activate
    public RecorderService(BundleContext context) {
        this.context = context;
    }

    /** Completes every recording. */
    @Deactivate
    void deactivate() {
        for (Active recording : active) {
            recording.stop();
        }
    }

    @Override
    public Recording record(String attachment, String reader, String backend, String atrHex, Protocol protocol,
            Path file) throws IOException {
        if (attachment == null || attachment.isBlank()) {
            throw new IllegalArgumentException("an attachment's trace id is needed, not '" + attachment + "'");
        }
        SessionFile session = SessionFile.create(file, reader, backend, Instant.now(), atrHex, protocol);
        Active recording = new Active(session);
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(CardTraceProperties.ATTACHMENT, attachment);
        recording.registration = context.registerService(CardTraceListener.class, recording, properties);
        active.add(recording);
        return recording;
    }

    /** A running recording: the file and its listener. */
    private final class Active implements Recording, CardTraceListener {
        private final SessionFile session;
        volatile ServiceRegistration<CardTraceListener> registration;

        Active(SessionFile session) {
            this.session = session;
        }

        @Override
        public void traced(CardTraceEvent event) {
            if (event.type() == CardTraceEvent.Type.DETACHED) {
                end(); // on the card's thread: the writer thread completes the file
                return;
            }
            session.accept(event);
        }

        @Override
        public Path file() {
            return session.file();
        }

        @Override
        public long apdus() {
            return session.apdus();
        }

        @Override
        public long events() {
            return session.events();
        }

        @Override
        public boolean isRecording() {
            return session.isRecording();
        }

        @Override
        public String failure() {
            return session.failure();
        }

        @Override
        public void stop() {
            end();
            session.stop();
        }

        /** Stops listening and asks the writer thread to complete the file, without waiting. */
        private void end() {
            active.remove(this);
            ServiceRegistration<CardTraceListener> own = registration;
            if (own != null) {
                try {
                    own.unregister();
                } catch (IllegalStateException e) {
                    // unregistered already (stopped twice, or the bundle is stopping)
                }
            }
            session.end();
        }
    }
}
