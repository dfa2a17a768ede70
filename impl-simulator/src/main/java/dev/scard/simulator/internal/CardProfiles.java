package dev.scard.simulator.internal;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * Card profiles as the reader configurations ({@value SimulatorComponent#READER_FACTORY_PID}) and
 * {@code SimulatorControl.insertProfile} use them: a file read and parsed with {@link CardProfile}, or the sample
 * profile, with a SHA-256 digest of the bytes it was made from so that a configuration update can tell whether the
 * profile changed (the bytes themselves hold the card's PINs and keys: they are zeroed once parsed).
 * Every failure is an {@link SCardException} with {@link HResult#E_INVALIDARG} whose message names the file and
 * says what is wrong (the parser's message for an invalid profile).
 */
final class CardProfiles {

    /** How the sample profile is named in messages and compared. */
    static final String SAMPLE = "the sample card profile";

    private CardProfiles() {
    }

    /** A parsed card profile and where it came from. */
    static final class Profile {
        private final String source;
        /** The SHA-256 digest of the file's bytes the profile was parsed from (null for the sample). */
        private final byte[] digest;
        private final CardProfile profile;

        Profile(String source, byte[] digest, CardProfile profile) {
            this.source = source;
            this.digest = digest;
            this.profile = profile;
        }

        /** The file as configured, or {@link #SAMPLE}. */
        String source() {
            return source;
        }

        /** A fresh card in the profile's initial state. */
        SimulatedCard newCard() {
            return profile.newCard();
        }

        /** Whether both come from the same file with the same content (or both are the sample). */
        boolean sameAs(Profile other) {
            return other != null && source.equals(other.source) && Arrays.equals(digest, other.digest);
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
        Path path;
        try {
            path = Path.of(pathText);
        } catch (InvalidPathException e) {
            throw new SCardException(HResult.E_INVALIDARG, "'" + pathText + "' is not a file path: " + e.getReason());
        }
        return load(path, pathText);
    }

    /**
     * Reads and parses a profile file.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a null path, a file that cannot be read, or one that
     *         is not a valid profile
     */
    static Profile load(Path path) {
        if (path == null) {
            throw new SCardException(HResult.E_INVALIDARG, "no card profile file given");
        }
        return load(path, path.toString());
    }

    private static Profile load(Path path, String shown) {
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
