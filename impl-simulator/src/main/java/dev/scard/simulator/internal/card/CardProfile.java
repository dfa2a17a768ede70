package dev.scard.simulator.internal.card;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import dev.scard.api.Protocol;
import dev.scard.iso7816.CommandPattern;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A card profile: the description of a simulated ISO 7816-4 card (ATR, protocol, file tree with contents, access
 * conditions, PINs, keys) in JSON, checked when it is read. Each {@link #newCard()} is a fresh card in the profile's
 * initial state; the cards do not share state with the profile or with each other.
 *
 * <p>The format is documented in {@code impl-simulator/PROFILES.md}; the card's behaviour (every command and status
 * word) on {@link IsoCard}. In short:
 *
 * <pre>{@code
 * {
 *   "name": "my-card", "atr": "3B 88 01 53 43 41 52 44 53 49 4D 99", "protocol": "T=1",
 *   "access": {"create": "pin:01", "delete": "pin:01"},
 *   "pins": [{"ref": "01", "value": {"text": "1234"}, "tries": 3, "puk": {"text": "12345678"}}],
 *   "keys": [{"ref": "01", "value": "000102030405060708090A0B0C0D0E0F"}],
 *   "files": [
 *     {"fid": "2F01", "type": "transparent", "size": 64, "content": {"text": "hello"},
 *      "access": {"read": "always", "update": "pin:01"}},
 *     {"fid": "5015", "type": "df", "aid": "A000000063504B43532D3135", "files": [ ... ]}
 *   ]
 * }
 * }</pre>
 *
 * <p>Bad profiles fail with {@link CardProfileException} (an {@code SCardException} with
 * {@code E_INVALIDARG}) naming the source and the JSON path of the first problem, e.g.
 * {@code "card profile my-card.json: files[2].size: must be a whole number 1..65535"}. Profiles are immutable and
 * thread-safe; so is {@link #sample()}.
 */
public final class CardProfile {

    /** The class-path resource of the sample profile, the simulator's default card. */
    public static final String SAMPLE_RESOURCE = "/dev/scard/simulator/profiles/sample-card.json";

    /** Where the profiles shipped in the bundle are, as class-path resources. */
    private static final String BUNDLED_FOLDER = "/dev/scard/simulator/profiles/";

    /**
     * The file names of the profiles shipped in the bundle (see {@code PROFILES.md}): the sample card, and cards with
     * behaviours found in the field.
     */
    public static final List<String> BUNDLED = List.of("sample-card.json", "field-card.json", "slow-field-card.json");

    /** The longest profile file {@link #load} reads. */
    static final long MAX_FILE_SIZE = 16L * 1024 * 1024;

    private static final String INLINE = "(inline)";

    private final String source;
    private final String name;
    private final byte[] atr;
    private final Protocol protocol;
    private final int memory;
    /** The initial tree; never handed out, only copied. */
    private final DedicatedFile prototype;
    private final long responseDelayMillis;
    private final Quirks quirks;
    /** The commands the card marks secret ({@code secretCommands}); immutable. */
    private final List<CommandPattern> secretCommands;

    CardProfile(String source, String name, byte[] atr, Protocol protocol, int memory, DedicatedFile prototype,
            long responseDelayMillis, Quirks quirks, List<CommandPattern> secretCommands) {
        this.secretCommands = secretCommands;
        this.responseDelayMillis = responseDelayMillis;
        this.quirks = quirks;
        this.source = source;
        this.name = name;
        this.atr = atr.clone();
        this.protocol = protocol;
        this.memory = memory;
        this.prototype = prototype;
    }

    /**
     * Reads a profile from a JSON file (UTF-8).
     *
     * @throws CardProfileException when the file cannot be read, is larger than 16 MiB, is not UTF-8 or not a valid
     *         profile; the message names the file and the JSON path
     */
    public static CardProfile load(Path file) {
        return parse(read(file), file.toString());
    }

    /**
     * Reads the bytes of a profile file, checked as {@link #load(Path)} checks them, for {@link #parse(byte[], String)}
     * (a caller that also keeps the bytes reads the file once).
     *
     * @throws CardProfileException when the file cannot be read or is larger than 16 MiB
     */
    public static byte[] read(Path file) {
        if (file == null) {
            throw new CardProfileException("(none)", "", "no profile file given");
        }
        String source = file.toString();
        try {
            if (Files.isDirectory(file)) {
                throw new CardProfileException(source, "", "is a directory, not a profile file");
            }
            if (Files.size(file) > MAX_FILE_SIZE) {
                throw new CardProfileException(source, "", "the file is larger than 16 MiB");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CardProfileException(source, "", "no such file", e);
        } catch (IOException e) {
            throw new CardProfileException(source, "", "cannot read the file (" + e.getClass().getSimpleName() + ")",
                    e);
        }
    }

    /**
     * Reads a profile from the bytes of a file (UTF-8), as {@link #load(Path)} does.
     *
     * @param source what to call the profile in messages (the file name)
     * @throws CardProfileException when the bytes are not UTF-8 or not a valid profile
     */
    public static CardProfile parse(byte[] bytes, String source) {
        CharBuffer text = utf8(bytes, source);
        try {
            return new ProfileParser(sourceName(source)).parse(text.array(), text.limit());
        } finally {
            Arrays.fill(text.array(), '\0'); // the decoded profile holds its PINs and keys
        }
    }

    /**
     * Reads a profile from JSON text; messages name its source {@code "(inline)"}.
     *
     * @throws CardProfileException for a null or invalid profile
     */
    public static CardProfile parse(String json) {
        return parse(json, INLINE);
    }

    /**
     * Reads a profile from JSON text. The PINs and keys in it are in that String for as long as the caller keeps
     * it: a profile read from bytes ({@link #parse(byte[], String)}) leaves no String of them.
     *
     * @param source what to call the profile in messages (a file name, a configuration's PID)
     * @throws CardProfileException for a null or invalid profile
     */
    public static CardProfile parse(String json, String source) {
        return new ProfileParser(sourceName(source)).parse(json);
    }

    private static String sourceName(String source) {
        return source == null || source.isBlank() ? INLINE : source;
    }

    /**
     * The sample profile, {@value #SAMPLE_RESOURCE}: the simulator's default card (see {@code PROFILES.md}). Read
     * once, then shared (profiles are immutable); a call while {@link #readSampleAhead()} reads it waits for that read.
     *
     * @throws ExceptionInInitializerError on the first call if the resource is missing or invalid (a build defect; the
     *         tests catch it), its cause the {@link IllegalStateException} that names the problem; later calls then
     *         throw {@link NoClassDefFoundError}
     */
    public static CardProfile sample() {
        return SampleHolder.SAMPLE;
    }

    /**
     * Reads the sample profile now unless it has been read or is being read, and never throws: a failure is kept and
     * thrown by the first {@link #sample()}, on its caller's thread, as if that call had read the profile. For the
     * bundle's activator, which calls this on a thread of its own at start so that the parse overlaps the other
     * bundles' start; {@link #sample()} called meanwhile waits for this parse instead of doing it again.
     */
    public static void readSampleAhead() {
        SampleRead.touch();
    }

    /** What {@link #sample()} returns; its initialisation takes the one read's outcome, or throws its failure. */
    private static final class SampleHolder {
        static final CardProfile SAMPLE = SampleRead.SAMPLE.profile();
    }

    /**
     * The one read of the sample profile, by the first thread to touch this class ({@link #readSampleAhead} or
     * {@link #sample()}); the others wait for it (the JVM's class initialisation lock). Its outcome is kept rather
     * than thrown here, so that a failure on the thread that reads ahead reaches the first caller of {@link #sample()}
     * as it would had that caller read the profile itself.
     */
    private static final class SampleRead {
        static final Outcome SAMPLE = Outcome.of(CardProfile::readSample);

        static void touch() {
            // Initialising the class is the work.
        }
    }

    /**
     * A profile read, or what reading it threw; {@link #profile} returns the one or throws the other.
     *
     * @param value the profile read, or null when the read failed
     * @param failure what the read threw, or null
     */
    record Outcome(CardProfile value, Throwable failure) {

        /** Runs {@code read} and keeps what it returns or throws (read throws only unchecked exceptions). */
        static Outcome of(Supplier<CardProfile> read) {
            try {
                return new Outcome(read.get(), null);
            } catch (RuntimeException | Error e) {
                return new Outcome(null, e);
            }
        }

        /** The profile read, or the very exception or error the read threw. */
        CardProfile profile() {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            return value;
        }
    }

    private static CardProfile readSample() {
        byte[] bytes = bundledBytes("sample-card.json");
        try {
            return parse(bytes, "sample-card.json");
        } catch (CardProfileException e) {
            throw new IllegalStateException("the sample card profile " + SAMPLE_RESOURCE + " cannot be read: "
                    + e.getMessage(), e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * The bytes of a profile shipped in the bundle, for {@link #parse(byte[], String)} (the caller clears them).
     *
     * @param fileName one of {@link #BUNDLED}
     * @throws IllegalArgumentException for a name not in {@link #BUNDLED}
     * @throws IllegalStateException if the resource is missing or unreadable (a build defect; the tests catch it)
     */
    public static byte[] bundledBytes(String fileName) {
        if (!BUNDLED.contains(fileName)) {
            throw new IllegalArgumentException("no bundled card profile is called " + fileName + "; there are "
                    + String.join(", ", BUNDLED));
        }
        try (InputStream in = CardProfile.class.getResourceAsStream(BUNDLED_FOLDER + fileName)) {
            if (in == null) {
                throw new IllegalStateException("the bundled card profile " + BUNDLED_FOLDER + fileName
                        + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("the bundled card profile " + BUNDLED_FOLDER + fileName
                    + " cannot be read", e);
        }
    }

    /** The text of a profile file, in a buffer backed by an array from index 0 (the caller clears it). */
    private static CharBuffer utf8(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new CardProfileException(source, "", "the file is not UTF-8 text");
        }
    }

    /**
     * A fresh card in the profile's initial state, to insert into a simulated reader
     * ({@code SimulatorControl.insert(reader, card)}). Each call makes a new card; its challenges come from a
     * {@link SecureRandom}.
     */
    public SimulatedCard newCard() {
        return newIsoCard(new SecureRandom());
    }

    /** A fresh card whose challenges come from {@code random} (for reproducible tests). */
    IsoCard newIsoCard(Random random) {
        return new IsoCard(name, atr, protocol, memory, prototype.copy(null), random, responseDelayMillis, quirks,
                secretCommands);
    }

    /**
     * The commands {@code card} marks as carrying secrets beyond the built-in rule, which the card trace withholds:
     * its profile's {@code secretCommands} for a card of a profile, none for any other model.
     */
    public static List<CommandPattern> secretCommands(SimulatedCard card) {
        return card instanceof IsoCard iso ? iso.secretCommands() : List.of();
    }

    /** The profile's {@code secretCommands} (empty without), an immutable list. */
    public List<CommandPattern> secretCommands() {
        return secretCommands;
    }

    /**
     * Whether {@code card} is a card of a profile that answers at once (no {@code responseDelayMillis}): the
     * simulator then runs it on the caller's thread (see {@code SimulatedCard}).
     */
    public static boolean answersPromptly(SimulatedCard card) {
        return card instanceof IsoCard iso && iso.answersPromptly();
    }

    /** How long the profile's cards wait before each answer, in milliseconds ({@code responseDelayMillis}). */
    public long responseDelayMillis() {
        return responseDelayMillis;
    }

    /** The field behaviours the profile turns on ({@code "quirks"}; {@link Quirks#NONE} without). */
    Quirks quirks() {
        return quirks;
    }

    /** The profile's {@code name}, or its source when it has none. */
    public String name() {
        return name;
    }

    /** Where the profile came from: the file path, {@code "sample-card.json"}, or the source given to parse. */
    public String source() {
        return source;
    }

    /** The cards' ATR (a copy). */
    public byte[] atr() {
        return atr.clone();
    }

    /** The cards' protocol, {@link Protocol#T0} or {@link Protocol#T1}. */
    public Protocol protocol() {
        return protocol;
    }

    /** The bytes of file memory a card has (the sum of its EFs' sizes may not exceed it). */
    public int memory() {
        return memory;
    }

    @Override
    public String toString() {
        return "CardProfile[" + name + " from " + source + "]";
    }
}
