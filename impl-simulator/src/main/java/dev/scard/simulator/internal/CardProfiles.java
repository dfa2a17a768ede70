package dev.scard.simulator.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.simulator.control.ReplayMatch;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.SimulatorControl;
import dev.scard.simulator.internal.card.CardProfile;
import dev.scard.trace.Trace;
import dev.scard.trace.TraceFiles;
import dev.scard.trace.TraceFormatException;

/**
 * Card profiles as the reader configurations ({@value SimulatorComponent#READER_FACTORY_PID}) and
 * {@code SimulatorControl.insertProfile} use them: a file read and parsed with {@link CardProfile}, or the sample
 * profile, or a trace file ({@link TraceFiles}: JSON with a top-level {@code format} field, or a log of OpenSC,
 * apdu4j or pcscd) replayed by {@link ReplayCard}s, with a SHA-256 digest of the bytes it was made from so that a
 * configuration update can tell whether the profile changed (the bytes themselves hold the card's PINs and keys: they
 * are zeroed once parsed).
 * Every failure is an {@link SCardException} with {@link HResult#E_INVALIDARG} whose message names the file and
 * says what is wrong (the parser's message for an invalid profile).
 */
final class CardProfiles {

    /** How the sample profile is named in messages and compared. */
    static final String SAMPLE = "the sample card profile";

    private CardProfiles() {
    }

    /** A parsed card profile (or a trace to replay) and where it came from. */
    static final class Profile {
        private final String source;
        /** The SHA-256 digest of the file's bytes the profile was parsed from (null for the sample). */
        private final byte[] digest;
        /** Makes a fresh card: of the profile, or a replay of the trace from its start. */
        private final Supplier<SimulatedCard> cards;
        /** How a trace is replayed ({@code "order 6D00"}); empty for a profile. */
        private final String replay;

        Profile(String source, byte[] digest, CardProfile profile) {
            this(source, digest, profile::newCard, "");
        }

        private Profile(String source, byte[] digest, Supplier<SimulatedCard> cards, String replay) {
            this.source = source;
            this.digest = digest;
            this.cards = cards;
            this.replay = replay;
        }

        /** The file as configured, or {@link #SAMPLE}. */
        String source() {
            return source;
        }

        /** A fresh card in the profile's initial state (a replay from the start of the trace). */
        SimulatedCard newCard() {
            return cards.get();
        }

        /** Whether the file is a trace, replayed. */
        boolean isTrace() {
            return !replay.isEmpty();
        }

        /**
         * Whether both come from the same file with the same content (or both are the sample), replayed the same way
         * if a trace.
         */
        boolean sameAs(Profile other) {
            return other != null && source.equals(other.source) && Arrays.equals(digest, other.digest)
                    && replay.equals(other.replay);
        }

        @Override
        public String toString() {
            return source;
        }
    }

    /** The sample profile: the simulator's default card. */
    static Profile sample() {
        return new Profile(SAMPLE, null, CardProfile.sample());
    }

    /**
     * Reads and parses a profile file given as text (a configuration value).
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a path that is not one, a file that cannot be read,
     *         or one that is not a valid profile
     */
    static Profile load(String pathText) {
        return load(pathText, ReplayMatch.ORDER, SimulatorControl.DEFAULT_UNANSWERED_STATUS_WORD);
    }

    /**
     * Reads and parses a profile file given as text (a configuration value); a trace file is replayed as given.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a path that is not one, a file that cannot be read,
     *         or one that is not a valid profile or trace
     */
    static Profile load(String pathText, ReplayMatch match, int unansweredStatusWord) {
        Path path;
        try {
            path = Path.of(pathText);
        } catch (InvalidPathException e) {
            throw new SCardException(HResult.E_INVALIDARG, "'" + pathText + "' is not a file path: " + e.getReason());
        }
        return load(path, pathText, match, unansweredStatusWord);
    }

    /**
     * Reads and parses a profile file.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null path, a file that cannot be read, or one that
     *         is not a valid profile
     */
    static Profile load(Path path) {
        return load(path, ReplayMatch.ORDER, SimulatorControl.DEFAULT_UNANSWERED_STATUS_WORD);
    }

    /**
     * Reads and parses a profile file; a trace file is replayed as given.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null path or match, a status word out of range, a file
     *         that cannot be read, or one that is not a valid profile or trace
     */
    static Profile load(Path path, ReplayMatch match, int unansweredStatusWord) {
        if (path == null) {
            throw new SCardException(HResult.E_INVALIDARG, "no card profile file given");
        }
        return load(path, path.toString(), match, unansweredStatusWord);
    }

    private static Profile load(Path path, String shown, ReplayMatch match, int unansweredStatusWord) {
        if (match == null) {
            throw new SCardException(HResult.E_INVALIDARG, "no replay match given (ORDER or COMMAND)");
        }
        if (unansweredStatusWord < 0 || unansweredStatusWord > 0xFFFF) {
            throw new SCardException(HResult.E_INVALIDARG, "the status word for unanswered commands must be 0000 to"
                    + " FFFF, not " + unansweredStatusWord);
        }
        // The file is read once: the profile is parsed from these bytes and their digest is what sameAs compares, so
        // a file changed between two reads cannot give a card of one content remembered as the other.
        byte[] bytes;
        if (isBundled(path)) {
            bytes = CardProfile.bundledBytes(path.toString());
        } else {
            try {
                bytes = CardProfile.read(path);
            } catch (SCardException e) {
                throw withDirectory(path, e);
            }
        }
        if (TraceFiles.kind(bytes) != TraceFiles.Kind.OTHER) {
            return trace(path, shown, bytes, match, unansweredStatusWord);
        }
        try {
            CardProfile profile = CardProfile.parse(bytes, path.toString());
            return new Profile(shown, sha256(bytes), profile);
        } catch (SCardException e) {
            throw withDirectory(path, e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * A trace file's content, checked as a whole before anything else happens (so that a bad file changes nothing),
     * replayed by a fresh {@link ReplayCard} for each card.
     */
    private static Profile trace(Path path, String shown, byte[] bytes, ReplayMatch match, int statusWord) {
        Trace trace;
        try {
            trace = TraceFiles.read(bytes, modified(path));
        } catch (TraceFormatException e) {
            throw new SCardException(HResult.E_INVALIDARG, "trace " + shown + ": " + e.getMessage());
        }
        String replay = match.name().toLowerCase(Locale.ROOT) + " " + String.format("%04X", statusWord);
        return new Profile(shown, sha256(bytes), () -> new ReplayCard(trace, path, match, statusWord), replay);
    }

    /** The file's modification time (an imported log's start), or now when it cannot be read. */
    private static Instant modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }

    /**
     * Whether {@code path} names a profile shipped in the bundle ({@link CardProfile#BUNDLED}): a bare file name such
     * as {@code field-card.json} for which the working directory has no file.
     */
    static boolean isBundled(Path path) {
        return path.getParent() == null && CardProfile.BUNDLED.contains(path.toString()) && !Files.exists(path);
    }

    /**
     * A failure for a relative path that names no file says which directory it is relative to (and, for a bare file
     * name, which profiles the bundle has: a bare file name may name one of them).
     */
    private static SCardException withDirectory(Path path, SCardException e) {
        if (!path.isAbsolute() && !Files.exists(path)) {
            String bundled = path.getParent() != null ? "" : "; the profiles in the bundle, named by file name alone: "
                    + String.join(", ", CardProfile.BUNDLED);
            return new SCardException(HResult.E_INVALIDARG, detail(e) + " (relative to "
                    + Path.of("").toAbsolutePath() + bundled + ")", e);
        }
        return e;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available (every Java SE platform has it)", e);
        }
    }

    /**
     * An exception's message without the {@code " [CODE 0x...]"} an {@link SCardException} ends with (its class name
     * when it has none), to be put into another message.
     */
    static String detail(RuntimeException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        int code = message.lastIndexOf(" [");
        return e instanceof SCardException && code > 0 && message.endsWith("]") ? message.substring(0, code) : message;
    }
}
