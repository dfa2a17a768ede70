package dev.scard.simulator.internal.card;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.scard.api.Protocol;
import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.CommandPattern;
import dev.scard.simulator.control.SimulatedCard;

/**
 * A simulated ISO 7816-4 card with a file system, PINs and AES keys, made from a {@link CardProfile}. It answers
 * every byte string with a status word a real card would give and never throws; a command that fails changes no
 * persistent state (file contents, the tree, life cycles, PIN values; only the retry counters of VERIFY, CHANGE
 * REFERENCE DATA and RESET RETRY COUNTER count down on a wrong PIN or PUK, as they must).
 *
 * <p><b>Commands.</b> Short and extended APDUs (Ne up to 65536), cases 1 to 4. Fewer than 4 bytes or length fields
 * that do not match the command's length: {@code 6700}. Class bytes as {@code MinimalIsoCard}: {@code FF} and the
 * proprietary classes {@code 8x..Fx} get {@code 6E00} (the one exception: LIST FILES, {@code 80 16}, below; any
 * other instruction in class {@code 80} still gets {@code 6E00}), {@code 2x/3x} (reserved) {@code 6E00}, a logical
 * channel other than 0 {@code 6881}, secure messaging {@code 6882}, command chaining {@code 6884}. Unknown
 * instructions: {@code 6D00} (also {@code 00 16}: LIST FILES exists only in class {@code 80}); MANAGE CHANNEL
 * ({@code 70}): {@code 6881}. Where a command has no use for Le it ignores one. A command that needs Le (READ
 * BINARY, READ RECORD, GET CHALLENGE, GET RESPONSE, LIST FILES) answers {@code 6700} without one.
 * <ul>
 * <li><b>SELECT</b> ({@code A4}). P2 {@code 00} or {@code 04}: the FCP template ({@link Fcp}), also without Le
 * (under T=0 a case-3 SELECT gets {@code 61xx} and the FCP through GET RESPONSE); {@code 0C}: no data; other P2:
 * {@code 6A86}. P1 {@code 00}: no data selects the MF, else a file identifier (2 bytes), looked for as the MF
 * ({@code 3F00}), the current DF, its children, its parent, the parent's children; {@code 01} child DF,
 * {@code 02} EF in the current DF (2 bytes); {@code 03} parent DF (no data); {@code 04} DF name, 1 to 16 bytes,
 * exact match anywhere on the card; {@code 08} path from the MF (a leading {@code 3F00} is allowed), {@code 09}
 * path from the current DF (even length, at least 2 bytes). Not found: {@code 6A82} (the selection stays); a data
 * field of the wrong length: {@code 6700}; other P1: {@code 6A86}. An Le smaller than the FCP: {@code 6Cxx} (nothing
 * selected). Selecting a file that is deactivated (or lies in a deactivated DF) succeeds with {@code 6283}.
 * Selecting resets the current record.</li>
 * <li><b>READ BINARY</b> ({@code B0}), <b>UPDATE BINARY</b> ({@code D6}), <b>WRITE BINARY</b> ({@code D0}, a
 * logical OR of the data into the file). P1 b8 set: SFI in P1 b5-b1 (b7-b6 must be 0, SFI 1..30, else
 * {@code 6A86}; not in the current DF: {@code 6A82}; it becomes the current EF), offset P2; else a 15-bit offset
 * on the current EF ({@code 6986} if none). Odd forms {@code B1}, {@code D7}, {@code D1}: P1-P2 {@code 0000} the
 * current EF, {@code 00 01..1E} an SFI, anything else a file identifier (looked for as by SELECT; it becomes the
 * current EF; a DF: {@code 6981}); the data field is the offset DO {@code 54} (1 to 3 bytes), followed for
 * {@code D7}/{@code D1} by the data DO {@code 53} (not empty), else {@code 6A80}; {@code B1} answers
 * {@code 53 <len> <data>} within Ne. Checks, in order: a record EF {@code 6981}; a deactivated file {@code 6985};
 * the read or update condition {@code 6982}; offset at or beyond the end {@code 6B00}; data past the end
 * {@code 6A84} (nothing written). A read returns min(Ne, bytes left): {@code 9000}, or {@code 6282} when Ne was an
 * explicit number larger than what there was (with Le {@code 00}/{@code 0000} "as much as there is" a short answer
 * is {@code 9000}).</li>
 * <li><b>READ RECORD</b> ({@code B2}), <b>UPDATE RECORD</b> ({@code DC}): P2 b8-b4 the SFI (0: the current EF),
 * b3-b1 {@code 100} record number P1 ({@code 00}: the current record), {@code 000} first, {@code 001} last,
 * {@code 010} next, {@code 011} previous (these four with P1 {@code 00}; next/previous wrap around in cyclic files
 * and start from the first/last record when there is no current record); other modes, P1 {@code FF}: {@code 6A86}.
 * No such record: {@code 6A83}. READ RECORD with an Le shorter than the record: {@code 6Cxx}; longer: the record and
 * {@code 6282} (or {@code 9000} for Le {@code 00}/{@code 0000}). UPDATE RECORD data: exactly the record length in
 * linear fixed and cyclic files, 1 to the maximum in linear variable files ({@code 6700} otherwise); in a cyclic
 * file "previous" ({@code P1=00, P2 b3-b1=011}) writes the oldest record, which becomes record 1.
 * <b>APPEND RECORD</b> ({@code E2}, P1 {@code 00}, P2 b3-b1 {@code 000}): a linear variable file gets a last record
 * ({@code 6A84} when full), a cyclic file a new record 1 (the oldest one goes), a linear fixed file, which always
 * holds all its records, answers {@code 6A84}. The record read or written becomes the current record. A transparent
 * EF: {@code 6981}.</li>
 * <li><b>CREATE FILE</b> ({@code E0}, P1-P2 {@code 0000}, the FCP of {@link Fcp} in the data field) in the current
 * DF, after its create condition ({@code 6982}): malformed FCP {@code 6A80}; a condition naming a PIN or key that
 * is not on the path to the new file {@code 6A88}; the identifier taken by the current DF, its parent or a file in
 * it, or the SFI taken in the DF: {@code 6A89}; the DF name taken anywhere: {@code 6A8A}; more than 256 files or
 * the profile's memory exceeded: {@code 6A84}. The new file is selected.</li>
 * <li><b>DELETE FILE</b> ({@code E4}, P2 {@code 00}), <b>DEACTIVATE FILE</b> ({@code 04}), <b>ACTIVATE FILE</b>
 * ({@code 44}, both P2 {@code 00}): the file referenced as SELECT does (P1 and data), with P1 {@code 00} and no data
 * the current EF, or the current DF when there is none. DELETE needs the delete condition of the file's DF and
 * deletes a DF with everything in it (ISO 7816-9), its PINs and keys included; if the current file was among the
 * deleted ones the DF the file was in becomes the current DF. DEACTIVATE/ACTIVATE need the file's own condition;
 * the file becomes the current file; doing it twice is no error. The MF cannot be deleted or deactivated
 * ({@code 6985}; ACTIVATE of the MF is a no-op). A file in a deactivated DF cannot be deleted, deactivated or
 * activated ({@code 6985}).</li>
 * <li><b>VERIFY</b> ({@code 20}): P1 {@code 00}; P2 the reference (b8 0 global: a PIN of the MF; b8 1 local: the
 * nearest PIN with that reference in the current DF or above it; b7-b6 not 0: {@code 6A86}; none: {@code 6A88}).
 * With data: a blocked PIN {@code 6983}; the right PIN resets the counter and verifies; a wrong one (any other
 * value, also of another length) counts down and answers {@code 63Cx}, x tries left ({@code 63C0}: now blocked).
 * Without data: {@code 9000} if verified, {@code 6983} if blocked, else {@code 63Cx}. P1 {@code FF} without data:
 * the PIN is no longer verified. Other P1: {@code 6A86}.</li>
 * <li><b>CHANGE REFERENCE DATA</b> ({@code 24}): P1 {@code 00} data old PIN || new PIN, P1 {@code 01} data new
 * PIN only (the PIN must be verified, else {@code 6982}, checked before the length). A PIN's length is fixed. One
 * rule for presented PINs and PUKs: a wrong one, also one of another length (here: data shorter than the old PIN),
 * counts down as VERIFY does, so a PIN's length cannot be probed for free; only after the old PIN (or PUK) was
 * right does a new PIN of the wrong length (a data field of the wrong total length) get {@code 6700}, with no try
 * counted and nothing changed. Success resets the counter and leaves the PIN verified.</li>
 * <li><b>RESET RETRY COUNTER</b> ({@code 2C}): P1 {@code 00} data PUK || new PIN, P1 {@code 01} data PUK only;
 * other P1 {@code 6A86}; a PIN without PUK {@code 6A88}; no data {@code 6700}; a blocked PUK {@code 6983};
 * a wrong PUK, also one of another length (P1 {@code 01}: data not of the PUK's length; P1 {@code 00}: shorter
 * than the PUK), counts the PUK's tries down ({@code 63Cx}); after a right PUK a new PIN of the wrong length
 * {@code 6700} (nothing counted or changed); success resets both counters (and sets the new PIN),
 * the PIN is not verified afterwards.</li>
 * <li><b>GET CHALLENGE</b> ({@code 84}, P1-P2 {@code 0000}): Ne (1 to 256) random bytes, remembered as the card's
 * challenge until the next GET CHALLENGE, EXTERNAL AUTHENTICATE, INTERNAL AUTHENTICATE of exactly that challenge
 * or reset.</li>
 * <li><b>INTERNAL AUTHENTICATE</b> ({@code 88}, P1 {@code 00}, P2 key reference as for PINs, 16 bytes of data):
 * AES-128-ECB of the data with the key (Le smaller than 16: {@code 6C10}; without Le the answer comes anyway, or
 * through {@code 61 10} under T=0). Data equal to the card's outstanding challenge is answered too, but uses the
 * challenge up (as EXTERNAL AUTHENTICATE would): else GET CHALLENGE, INTERNAL AUTHENTICATE of it and EXTERNAL
 * AUTHENTICATE of the answer would authenticate a key without knowing it. <b>EXTERNAL AUTHENTICATE</b> ({@code 82}, same P1-P2, 16 bytes): no key
 * {@code 6A88}; no 16-byte challenge since the last one was used {@code 6985}; the data is AES-128-ECB of that
 * challenge: the key counts as authenticated (conditions {@code auth:XX}) until reset, else {@code 6300}. Either
 * way the challenge is used up. Data of another length: {@code 6700}.</li>
 * <li><b>LIST FILES</b> ({@code 80 16 00 00}, Le; proprietary, modelled on the DIRECTORY command of Atos CardOS,
 * {@code CLA 80 INS 16}, with a simpler answer): the file identifiers of the files directly in the current DF,
 * 2 bytes each, concatenated in ascending identifier order ({@code 9000}; an empty DF: {@code 9000} without data).
 * It needs no access right (as SELECT) and changes no state; a deactivated DF is listed too. P1-P2 other than
 * {@code 0000}: {@code 6A86}; a data field, or no Le: {@code 6700}. An Le smaller than the list: {@code 6Cxx}
 * (xx the list's length, {@code 6C00} for 256) when the list fits a short answer (at most 256 bytes, 128 files),
 * else {@code 6700}: ask again with an extended Le. There is always a current DF (at least the MF).</li>
 * <li><b>GET RESPONSE</b> ({@code C0}) only under T=0 (else {@code 6D00}): the rest of an answer announced by
 * {@code 61xx} ({@code 6985} if there is none).</li>
 * </ul>
 *
 * <p><b>Field behaviours.</b> The above is the card without quirks ({@link Quirks#NONE}). A profile's
 * {@code "quirks"} change it where cards in the field differ: no LIST FILES ({@code 6D00}); an empty VERIFY that
 * counts a try ({@code 6300}) or is refused ({@code 6700}); {@code 6300} instead of {@code 63Cx}; strict T=0
 * (case 4 answered with {@code 61xx} whatever Le says, case 2 with {@code 6Cxx} unless Le is the exact length, no
 * extended APDUs); no extended APDUs ({@code 6700}); DELETE FILE without data refused ({@code 6A86}); CREATE FILE
 * of record EFs refused ({@code 6A81}); SELECT answering an FCI ({@code 6F}) or only the status word; global PINs
 * kept verified across resets. See {@link Quirks} and {@code PROFILES.md}.
 *
 * <p><b>Security state</b> (volatile: forgotten by {@link #reset()}): verified PINs and authenticated keys. A local
 * PIN or key (reference with b8 set) stays verified only while the current DF is its DF or below it: selecting
 * anything outside that DF ends it. Conditions on a file find their PINs and keys from the file's DF upwards.
 *
 * <p>Not thread-safe by itself; the simulator calls a card one command at a time (the methods are synchronized
 * anyway, so tests may share one).
 */
final class IsoCard implements SimulatedCard {

    /** The most files (the MF included) a card holds. */
    static final int MAX_FILES = 256;

    private static final int INS_SELECT = 0xA4;
    private static final int INS_READ_BINARY = 0xB0;
    private static final int INS_READ_BINARY_ODD = 0xB1;
    private static final int INS_UPDATE_BINARY = 0xD6;
    private static final int INS_UPDATE_BINARY_ODD = 0xD7;
    private static final int INS_WRITE_BINARY = 0xD0;
    private static final int INS_WRITE_BINARY_ODD = 0xD1;
    private static final int INS_READ_RECORD = 0xB2;
    private static final int INS_UPDATE_RECORD = 0xDC;
    private static final int INS_APPEND_RECORD = 0xE2;
    private static final int INS_CREATE_FILE = 0xE0;
    private static final int INS_DELETE_FILE = 0xE4;
    private static final int INS_DEACTIVATE_FILE = 0x04;
    private static final int INS_ACTIVATE_FILE = 0x44;
    private static final int INS_VERIFY = 0x20;
    private static final int INS_CHANGE_REFERENCE_DATA = 0x24;
    private static final int INS_RESET_RETRY_COUNTER = 0x2C;
    private static final int INS_GET_CHALLENGE = 0x84;
    private static final int INS_INTERNAL_AUTHENTICATE = 0x88;
    private static final int INS_EXTERNAL_AUTHENTICATE = 0x82;
    private static final int INS_GET_RESPONSE = 0xC0;
    private static final int INS_MANAGE_CHANNEL = 0x70;
    /** The proprietary class of LIST FILES, the one proprietary command the card serves. */
    private static final int CLA_PROPRIETARY = 0x80;
    private static final int INS_LIST_FILES = 0x16;
    /** The longest answer a short Le can take (Le {@code 00}). */
    private static final int MAX_SHORT_NE = 256;

    private final String label;
    private final byte[] atr;
    private final Protocol protocol;
    private final int memory;
    private final Random random;
    private final DedicatedFile mf;
    /** How long the card thinks before each answer (the profile's {@code responseDelayMillis}); 0: at once. */
    private final long responseDelayMillis;
    /** The field behaviours the profile turned on ({@link Quirks#NONE}: none). */
    private final Quirks quirks;
    /** The commands the profile marks secret, for the card trace (immutable). */
    private final List<CommandPattern> secretCommands;

    // Persistent bookkeeping, kept equal to what the tree holds.
    private int usedMemory;
    private int fileCount;

    // Volatile state.
    private DedicatedFile currentDf;
    private ElementaryFile currentEf;
    /** The current record of the current EF, 0 for none. */
    private int currentRecord;
    private final Set<Pin> verifiedPins = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<CardKey> authenticatedKeys = Collections.newSetFromMap(new IdentityHashMap<>());
    private byte[] challenge;
    /** T=0: the answer GET RESPONSE hands out, from {@link #pendingOffset}. */
    private byte[] pendingResponse;
    private int pendingOffset;

    /**
     * A card with the tree {@code mf} (owned by the card from now on).
     *
     * @param random the source of challenges
     */
    IsoCard(String label, byte[] atr, Protocol protocol, int memory, DedicatedFile mf, Random random) {
        this(label, atr, protocol, memory, mf, random, 0, Quirks.NONE, List.of());
    }

    /**
     * A card with the tree {@code mf} that waits {@code responseDelayMillis} before each answer and shows the field
     * behaviours {@code quirks}.
     *
     * @param random the source of challenges
     */
    IsoCard(String label, byte[] atr, Protocol protocol, int memory, DedicatedFile mf, Random random,
            long responseDelayMillis, Quirks quirks, List<CommandPattern> secretCommands) {
        this.secretCommands = secretCommands;
        this.responseDelayMillis = responseDelayMillis;
        this.quirks = quirks;
        this.label = label;
        this.atr = atr.clone();
        this.protocol = protocol;
        this.memory = memory;
        this.mf = mf;
        this.random = random;
        this.usedMemory = memoryOf(mf);
        this.fileCount = countFiles(mf);
        reset();
    }

    static int memoryOf(CardFile file) {
        if (file instanceof ElementaryFile ef) {
            return ef.capacity();
        }
        int sum = 0;
        for (CardFile child : ((DedicatedFile) file).children) {
            sum += memoryOf(child);
        }
        return sum;
    }

    static int countFiles(CardFile file) {
        int count = 1;
        if (file instanceof DedicatedFile df) {
            for (CardFile child : df.children) {
                count += countFiles(child);
            }
        }
        return count;
    }

    /** The commands the profile marks secret ({@code secretCommands}), which the card trace withholds. */
    List<CommandPattern> secretCommands() {
        return secretCommands;
    }

    /** The profile's ATR. */
    @Override
    public byte[] atr() {
        return atr.clone();
    }

    /** The profile's protocol. */
    @Override
    public Protocol protocol() {
        return protocol;
    }

    /**
     * Forgets the volatile state: the MF becomes the current DF, no current EF or record, no verified PIN (with the
     * quirk {@code "pinsAfterReset": "kept"}: no verified local PIN, the global ones stay verified), no
     * authenticated key, no challenge, no pending GET RESPONSE data. Files, PINs and counters stay.
     */
    @Override
    public synchronized void reset() {
        currentDf = mf;
        currentEf = null;
        currentRecord = 0;
        if (quirks.pinsAfterReset() == Quirks.PinsAfterReset.KEPT) {
            verifiedPins.removeIf(pin -> pin.owner != mf); // the MF is the current DF: local PINs end
        } else {
            verifiedPins.clear();
        }
        authenticatedKeys.clear();
        challenge = null;
        pendingResponse = null;
        pendingOffset = 0;
    }

    /** Whether the card answers at once (no {@code responseDelayMillis}). */
    boolean answersPromptly() {
        return responseDelayMillis == 0;
    }

    /**
     * Answers one command as the class comment describes; never throws and never answers fewer than 2 bytes. With a
     * response delay the answer comes after it; interrupted while waiting (the simulator gave up on the card), the
     * command is not carried out and the card answers {@code 6F00}, keeping the interrupt. The command is not
     * changed (its owner clears it, see {@link SimulatedCard#process}); the copies the card makes of a PIN, PUK or
     * cryptogram in it to compare them are zeroed here.
     */
    @Override
    public byte[] process(byte[] command) {
        if (responseDelayMillis > 0) {
            try {
                Thread.sleep(responseDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Sw.only(Sw.TECHNICAL_PROBLEM);
            }
        }
        return answer(command);
    }

    /**
     * The command's fields; {@code 6700} when its length fields do not match its length, or when it is extended and
     * the card takes no extended APDUs (quirk {@code "extendedLength": false}).
     */
    private CommandApdu command(byte[] command) throws IsoException {
        CommandApdu a;
        try {
            a = CommandApdu.parse(command);
        } catch (IllegalArgumentException e) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        if (!quirks.extendedLength() && a.apduCase().extended()) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        return a;
    }

    /**
     * A short case-4 command on a strict T=0 card (quirk {@code "strictT0"}): T=0 carries it as a case-3 command
     * without Le, so the card carries it out as if Le were {@code 00} and hands data out only through
     * {@code 61xx} and GET RESPONSE; a warning with data (a SELECT of a deactivated file) loses the data.
     */
    private byte[] strictT0Case4(byte[] command, byte[] pending, int pendingAt) throws IsoException {
        byte[] asSent = command.clone();
        try {
            asSent[asSent.length - 1] = 0;
            byte[] response = dispatch(command(asSent), pending, pendingAt);
            int n = response.length - 2;
            if (n == 0) {
                return response;
            }
            int sw = ((response[n] & 0xFF) << 8) | (response[n + 1] & 0xFF);
            if (sw != Sw.OK) {
                return Sw.only(sw);
            }
            pendingResponse = Arrays.copyOf(response, n);
            pendingOffset = 0;
            return Sw.only(Sw.BYTES_REMAINING | (n & 0xFF));
        } finally {
            Arrays.fill(asSent, (byte) 0); // it may hold a PIN
        }
    }

    /**
     * A case-2 answer on a strict T=0 card: data of another length than Le asked for is not sent; {@code 6Cxx} says
     * the length to ask for (a GET RESPONSE keeps what it had to hand out).
     */
    private byte[] strictT0Case2(CommandApdu a, byte[] response, byte[] pending, int pendingAt) {
        int n = response.length - 2;
        if (n == 0 || n == a.ne()) {
            return response;
        }
        if (a.ins() == INS_GET_RESPONSE) {
            pendingResponse = pending;
            pendingOffset = pendingAt;
        }
        return Sw.only(Sw.WRONG_LE | (n & 0xFF));
    }

    private synchronized byte[] answer(byte[] command) {
        byte[] pending = pendingResponse;
        int pendingAt = pendingOffset;
        pendingResponse = null; // any command but GET RESPONSE drops what was left
        try {
            if (command == null || command.length < 4) {
                return Sw.only(Sw.WRONG_LENGTH);
            }
            int cla = command[0] & 0xFF;
            if (cla == CLA_PROPRIETARY && (command[1] & 0xFF) == INS_LIST_FILES) {
                if (!quirks.listFiles()) {
                    return Sw.only(Sw.INS_NOT_SUPPORTED);
                }
                CommandApdu a = command(command);
                return asT0Sends(a, listFiles(a), pending, pendingAt);
            }
            int classError = CommandApdu.basicClassStatus(cla);
            if (classError != 0) {
                return Sw.only(classError);
            }
            CommandApdu a = command(command);
            if (!quirks.strictT0() || a.apduCase() != CommandApdu.Case.CASE_4S) {
                return dispatch(a, pending, pendingAt);
            }
            return strictT0Case4(command, pending, pendingAt);
        } catch (IsoException e) {
            return Sw.only(e.sw);
        } catch (RuntimeException e) { // a bug; every change is made after its checks, so the state is whole
            return Sw.only(Sw.TECHNICAL_PROBLEM);
        }
    }

    private byte[] dispatch(CommandApdu a, byte[] pending, int pendingAt) throws IsoException {
        return asT0Sends(a, execute(a, pending, pendingAt), pending, pendingAt);
    }

    /**
     * The answer as the card sends it. On a strict T=0 card a case-2 answer needs the exact Le, and the answer to a
     * command without Le (case 1 or 3) has no data: data comes only as {@code 61xx} and GET RESPONSE, which a warning
     * (a SELECT of a deactivated file, {@code 6283}) cannot announce, so its data is lost.
     */
    private byte[] asT0Sends(CommandApdu a, byte[] response, byte[] pending, int pendingAt) {
        if (!quirks.strictT0()) {
            return response;
        }
        if (a.apduCase() == CommandApdu.Case.CASE_2S) {
            return strictT0Case2(a, response, pending, pendingAt);
        }
        if (!a.apduCase().hasLe() && response.length > 2) {
            return Arrays.copyOfRange(response, response.length - 2, response.length);
        }
        return response;
    }

    private byte[] execute(CommandApdu a, byte[] pending, int pendingAt) throws IsoException {
        return switch (a.ins()) {
            case INS_SELECT -> select(a);
            case INS_READ_BINARY -> readBinary(a);
            case INS_READ_BINARY_ODD -> readBinaryOdd(a);
            case INS_UPDATE_BINARY -> updateBinary(a, false);
            case INS_WRITE_BINARY -> updateBinary(a, true);
            case INS_UPDATE_BINARY_ODD -> updateBinaryOdd(a, false);
            case INS_WRITE_BINARY_ODD -> updateBinaryOdd(a, true);
            case INS_READ_RECORD -> readRecord(a);
            case INS_UPDATE_RECORD -> updateRecord(a);
            case INS_APPEND_RECORD -> appendRecord(a);
            case INS_CREATE_FILE -> createFile(a);
            case INS_DELETE_FILE -> deleteFile(a);
            case INS_DEACTIVATE_FILE -> setLifeCycle(a, false);
            case INS_ACTIVATE_FILE -> setLifeCycle(a, true);
            case INS_VERIFY -> verify(a);
            case INS_CHANGE_REFERENCE_DATA -> changeReferenceData(a);
            case INS_RESET_RETRY_COUNTER -> resetRetryCounter(a);
            case INS_GET_CHALLENGE -> getChallenge(a);
            case INS_INTERNAL_AUTHENTICATE -> internalAuthenticate(a);
            case INS_EXTERNAL_AUTHENTICATE -> externalAuthenticate(a);
            case INS_GET_RESPONSE -> protocol == Protocol.T0 ? getResponse(a, pending, pendingAt)
                    : Sw.only(Sw.INS_NOT_SUPPORTED);
            case INS_MANAGE_CHANNEL -> Sw.only(Sw.LOGICAL_CHANNEL_NOT_SUPPORTED);
            default -> Sw.only(Sw.INS_NOT_SUPPORTED);
        };
    }

    // ------------------------------------------------------------------ selection

    private byte[] select(CommandApdu a) throws IsoException {
        boolean fcp = switch (a.p2()) {
            case 0x00, 0x04 -> true;
            case 0x0C -> false;
            default -> throw new IsoException(Sw.WRONG_P1_P2);
        };
        CardFile target = resolve(a, false);
        int sw = target.usable() ? Sw.OK : Sw.FILE_DEACTIVATED;
        byte[] response;
        if (fcp && quirks.selectAnswer() != Quirks.SelectAnswer.NONE) {
            byte[] template = Fcp.encode(target);
            if (quirks.selectAnswer() == Quirks.SelectAnswer.FCI) {
                template[0] = (byte) dev.scard.iso7816.Fcp.TEMPLATE_FCI;
            }
            if (a.hasLe() && a.ne() < template.length) {
                throw new IsoException(Sw.WRONG_LE | template.length);
            }
            response = respond(a, template, sw);
        } else {
            response = Sw.only(sw);
        }
        select(target);
        return response;
    }

    /**
     * LIST FILES ({@code 80 16 00 00}): the identifiers of the current DF's files, ascending, 2 bytes each (see the
     * class comment for the status words).
     */
    private byte[] listFiles(CommandApdu a) throws IsoException {
        if (a.p1p2() != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        if (a.nc() != 0 || !a.hasLe()) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        int[] fids = new int[currentDf.children.size()];
        for (int i = 0; i < fids.length; i++) {
            fids[i] = currentDf.children.get(i).fid;
        }
        Arrays.sort(fids);
        byte[] list = new byte[2 * fids.length];
        for (int i = 0; i < fids.length; i++) {
            list[2 * i] = (byte) (fids[i] >> 8);
            list[2 * i + 1] = (byte) fids[i];
        }
        if (a.ne() < list.length) {
            throw new IsoException(list.length <= MAX_SHORT_NE ? Sw.WRONG_LE | (list.length & 0xFF)
                    : Sw.WRONG_LENGTH);
        }
        return Sw.withData(list, 0, list.length, Sw.OK);
    }

    /**
     * Data a case-3 or case-4 command produces: with Le, the data (an Le that is too small was checked by the
     * caller); without Le, the data anyway under T=1, or {@code 61xx} and the data kept for GET RESPONSE under T=0
     * (a warning status goes out with the data even under T=0).
     */
    private byte[] respond(CommandApdu a, byte[] data, int sw) {
        if (!a.hasLe() && protocol == Protocol.T0 && sw == Sw.OK) {
            pendingResponse = data;
            pendingOffset = 0;
            return Sw.only(Sw.BYTES_REMAINING | (data.length & 0xFF));
        }
        return Sw.withData(data, 0, data.length, sw);
    }

    /**
     * The file a SELECT-style reference (P1 and data) names, without selecting it.
     *
     * @param currentWhenNoData for P1 {@code 00} without data: true names the current file (EF, else DF), false
     *        the MF
     */
    private CardFile resolve(CommandApdu a, boolean currentWhenNoData) throws IsoException {
        switch (a.p1()) {
            case 0x00 -> {
                if (a.nc() == 0) {
                    return currentWhenNoData ? (currentEf != null ? currentEf : currentDf) : mf;
                }
                requireLength(a, 2);
                return byFid(a.dataU16(0));
            }
            case 0x01, 0x02 -> {
                requireLength(a, 2);
                CardFile child = currentDf.child(a.dataU16(0));
                if (child == null || child.isDf() != (a.p1() == 0x01)) {
                    throw new IsoException(Sw.FILE_NOT_FOUND);
                }
                return child;
            }
            case 0x03 -> {
                requireLength(a, 0);
                if (currentDf.parent == null) {
                    throw new IsoException(Sw.FILE_NOT_FOUND);
                }
                return currentDf.parent;
            }
            case 0x04 -> {
                if (a.nc() < 1 || a.nc() > 16) {
                    throw new IsoException(Sw.WRONG_LENGTH);
                }
                DedicatedFile found = byName(mf, Arrays.copyOfRange(a.raw(), a.dataOffset(), a.dataOffset() + a.nc()));
                if (found == null) {
                    throw new IsoException(Sw.FILE_NOT_FOUND);
                }
                return found;
            }
            case 0x08, 0x09 -> {
                if (a.nc() < 2 || a.nc() % 2 != 0) {
                    throw new IsoException(Sw.WRONG_LENGTH);
                }
                return byPath(a, a.p1() == 0x08);
            }
            default -> throw new IsoException(Sw.WRONG_P1_P2);
        }
    }

    private static void requireLength(CommandApdu a, int nc) throws IsoException {
        if (a.nc() != nc) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
    }

    /** P1 {@code 00} search: the MF, the current DF, its children, its parent, the parent's children. */
    private CardFile byFid(int fid) throws IsoException {
        if (fid == mf.fid) {
            return mf;
        }
        if (currentDf.fid == fid) {
            return currentDf;
        }
        CardFile found = currentDf.child(fid);
        if (found != null) {
            return found;
        }
        DedicatedFile parent = currentDf.parent;
        if (parent != null) {
            if (parent.fid == fid) {
                return parent;
            }
            found = parent.child(fid);
            if (found != null) {
                return found;
            }
        }
        throw new IsoException(Sw.FILE_NOT_FOUND);
    }

    private static DedicatedFile byName(DedicatedFile df, byte[] name) {
        if (df.name != null && Arrays.equals(df.name, name)) {
            return df;
        }
        for (CardFile child : df.children) {
            if (child instanceof DedicatedFile sub) {
                DedicatedFile found = byName(sub, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private CardFile byPath(CommandApdu a, boolean fromMf) throws IsoException {
        int count = a.nc() / 2;
        int i = 0;
        CardFile file = fromMf ? mf : currentDf;
        if (fromMf && a.dataU16(0) == mf.fid) {
            i = 1;
        }
        for (; i < count; i++) {
            if (!(file instanceof DedicatedFile df)) {
                throw new IsoException(Sw.FILE_NOT_FOUND);
            }
            file = df.child(a.dataU16(2 * i));
            if (file == null) {
                throw new IsoException(Sw.FILE_NOT_FOUND);
            }
        }
        return file;
    }

    /** Makes {@code file} the current file (an EF: its DF the current DF); the current record is reset. */
    private void select(CardFile file) {
        if (file instanceof DedicatedFile df) {
            changeDf(df);
            currentEf = null;
        } else {
            changeDf(file.parent);
            currentEf = (ElementaryFile) file;
        }
        currentRecord = 0;
    }

    /** Makes {@code df} the current DF; local PINs and keys of DFs it is not in are no longer verified. */
    private void changeDf(DedicatedFile df) {
        currentDf = df;
        verifiedPins.removeIf(pin -> !df.isWithin(pin.owner));
        authenticatedKeys.removeIf(key -> !df.isWithin(key.owner));
    }

    private ElementaryFile requireCurrentEf() throws IsoException {
        if (currentEf == null) {
            throw new IsoException(Sw.NO_CURRENT_EF);
        }
        return currentEf;
    }

    /** The EF with this SFI in the current DF, made the current EF (unless it is already). */
    private ElementaryFile efBySfi(int sfi) throws IsoException {
        ElementaryFile ef = currentDf.childBySfi(sfi);
        if (ef == null) {
            throw new IsoException(Sw.FILE_NOT_FOUND);
        }
        if (ef != currentEf) {
            select(ef);
        }
        return ef;
    }

    // ------------------------------------------------------------------ access

    /** Checks structure ({@code 6981}), life cycle ({@code 6985}) and the condition for {@code op} ({@code 6982}). */
    private void requireEf(ElementaryFile ef, Operation op, boolean transparent) throws IsoException {
        if ((ef.type == EfType.TRANSPARENT) != transparent) {
            throw new IsoException(Sw.INCOMPATIBLE_FILE_STRUCTURE);
        }
        if (!ef.usable()) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        checkRule(ef, op);
    }

    private void checkRule(CardFile file, Operation op) throws IsoException {
        AccessRule rule = file.rules.get(op);
        boolean granted = switch (rule.kind()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case PIN -> verifiedPins.contains(findPin(file.scope(), rule.ref()));
            case AUTH -> authenticatedKeys.contains(findKey(file.scope(), rule.ref()));
        };
        if (!granted) {
            throw new IsoException(Sw.SECURITY_STATUS_NOT_SATISFIED);
        }
    }

    /** The PIN {@code ref} names seen from {@code from} (see {@link DedicatedFile#findPin}), or null. */
    static Pin findPin(DedicatedFile from, int ref) {
        return from.findPin(ref);
    }

    /** The key {@code ref} names seen from {@code from}, or null. */
    static CardKey findKey(DedicatedFile from, int ref) {
        return from.findKey(ref);
    }

    // ------------------------------------------------------------------ transparent files

    /** P1 of READ/UPDATE/WRITE BINARY with b8 set must name an SFI 1..30 with b7-b6 clear. */
    private static void checkSfiP1(int p1) throws IsoException {
        if ((p1 & 0x80) != 0) {
            int sfi = p1 & 0x1F;
            if ((p1 & 0x60) != 0 || sfi == 0 || sfi == 0x1F) {
                throw new IsoException(Sw.WRONG_P1_P2);
            }
        }
    }

    private byte[] readBinary(CommandApdu a) throws IsoException {
        checkSfiP1(a.p1());
        if (a.nc() != 0 || !a.hasLe()) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        ElementaryFile ef;
        int offset;
        if ((a.p1() & 0x80) != 0) {
            ef = efBySfi(a.p1() & 0x1F);
            offset = a.p2();
        } else {
            ef = requireCurrentEf();
            offset = a.p1p2();
        }
        requireEf(ef, Operation.READ, true);
        if (offset >= ef.data.length) {
            throw new IsoException(Sw.WRONG_OFFSET);
        }
        int available = ef.data.length - offset;
        int n = Math.min(a.ne(), available);
        return Sw.withData(ef.data, offset, n, n < a.ne() && !a.leMax() ? Sw.END_OF_FILE : Sw.OK);
    }

    private byte[] readBinaryOdd(CommandApdu a) throws IsoException {
        if (a.nc() == 0 || !a.hasLe()) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        List<BerTlv.DataObject> items = Fcp.dataObjects(a.raw(), a.dataOffset(), a.nc());
        if (items.size() != 1) {
            throw new IsoException(Sw.WRONG_DATA);
        }
        int offset = offset(a, items.get(0));
        ElementaryFile ef = oddTarget(a);
        requireEf(ef, Operation.READ, true);
        if (offset >= ef.data.length) {
            throw new IsoException(Sw.WRONG_OFFSET);
        }
        int available = ef.data.length - offset;
        int n = Math.min(available, a.ne() - 2);
        while (n > 0 && (1 + BerTlv.lengthFieldSize(n)) + n > a.ne()) {
            n--;
        }
        if (n <= 0) {
            throw new IsoException(Sw.WRONG_LENGTH); // Ne leaves no room for a byte of data in its DO
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 6);
        out.write(0x53);
        BerTlv.writeLength(out, n);
        out.write(ef.data, offset, n);
        byte[] body = out.toByteArray();
        boolean short_ = n == available && body.length < a.ne() && !a.leMax();
        return Sw.withData(body, 0, body.length, short_ ? Sw.END_OF_FILE : Sw.OK);
    }

    /** The offset DO ({@code 54}, 1 to 3 bytes). */
    private static int offset(CommandApdu a, BerTlv.DataObject item) throws IsoException {
        if (item.tag() != 0x54 || item.length() < 1 || item.length() > 3) {
            throw new IsoException(Sw.WRONG_DATA);
        }
        return (int) BerTlv.number(a.raw(), item.offset(), item.length());
    }

    /** The EF that P1-P2 of an odd-instruction binary command names; it becomes the current EF. */
    private ElementaryFile oddTarget(CommandApdu a) throws IsoException {
        int p1p2 = a.p1p2();
        if (p1p2 == 0) {
            return requireCurrentEf();
        }
        if (a.p1() == 0 && (a.p2() & 0xE0) == 0) {
            int sfi = a.p2() & 0x1F;
            if (sfi == 0x1F) {
                throw new IsoException(Sw.WRONG_P1_P2);
            }
            return efBySfi(sfi);
        }
        CardFile file = byFid(p1p2);
        if (!(file instanceof ElementaryFile ef)) {
            throw new IsoException(Sw.INCOMPATIBLE_FILE_STRUCTURE);
        }
        if (ef != currentEf) {
            select(ef);
        }
        return ef;
    }

    private byte[] updateBinary(CommandApdu a, boolean or) throws IsoException {
        checkSfiP1(a.p1());
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        ElementaryFile ef;
        int offset;
        if ((a.p1() & 0x80) != 0) {
            ef = efBySfi(a.p1() & 0x1F);
            offset = a.p2();
        } else {
            ef = requireCurrentEf();
            offset = a.p1p2();
        }
        write(ef, offset, a.raw(), a.dataOffset(), a.nc(), or);
        return Sw.only(Sw.OK);
    }

    private byte[] updateBinaryOdd(CommandApdu a, boolean or) throws IsoException {
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        List<BerTlv.DataObject> items = Fcp.dataObjects(a.raw(), a.dataOffset(), a.nc());
        if (items.size() != 2 || items.get(1).tag() != 0x53 || items.get(1).length() == 0) {
            throw new IsoException(Sw.WRONG_DATA);
        }
        int offset = offset(a, items.get(0));
        ElementaryFile ef = oddTarget(a);
        write(ef, offset, a.raw(), items.get(1).offset(), items.get(1).length(), or);
        return Sw.only(Sw.OK);
    }

    private void write(ElementaryFile ef, int offset, byte[] source, int from, int length, boolean or)
            throws IsoException {
        requireEf(ef, Operation.UPDATE, true);
        if (offset >= ef.data.length) {
            throw new IsoException(Sw.WRONG_OFFSET);
        }
        if (length > ef.data.length - offset) {
            throw new IsoException(Sw.NOT_ENOUGH_MEMORY);
        }
        if (or) {
            for (int i = 0; i < length; i++) {
                ef.data[offset + i] |= source[from + i];
            }
        } else {
            System.arraycopy(source, from, ef.data, offset, length);
        }
    }

    // ------------------------------------------------------------------ record files

    /** Checks P1-P2 of READ/UPDATE RECORD: mode 0..4, P1 {@code 00} in modes 0..3, no P1 {@code FF}, SFI not 31. */
    private static int recordMode(CommandApdu a) throws IsoException {
        int mode = a.p2() & 0x07;
        if (mode > 4 || (mode != 4 && a.p1() != 0) || a.p1() == 0xFF || (a.p2() >> 3) == 0x1F) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        return mode;
    }

    private ElementaryFile recordTarget(int p2) throws IsoException {
        int sfi = p2 >> 3;
        return sfi == 0 ? requireCurrentEf() : efBySfi(sfi);
    }

    /** The record number a mode and P1 name, 1-based. */
    private int pickRecord(ElementaryFile ef, int p1, int mode) throws IsoException {
        int count = ef.records.size();
        boolean cyclic = ef.type == EfType.CYCLIC;
        int number = switch (mode) {
            case 4 -> p1 == 0 ? currentRecord : p1;
            case 0 -> 1;
            case 1 -> count;
            case 2 -> currentRecord == 0 ? 1 : currentRecord < count ? currentRecord + 1 : cyclic ? 1 : 0;
            default -> currentRecord == 0 ? count : currentRecord > 1 ? currentRecord - 1 : cyclic ? count : 0;
        };
        if (number < 1 || number > count) {
            throw new IsoException(Sw.RECORD_NOT_FOUND);
        }
        return number;
    }

    private byte[] readRecord(CommandApdu a) throws IsoException {
        int mode = recordMode(a);
        if (a.nc() != 0 || !a.hasLe()) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        ElementaryFile ef = recordTarget(a.p2());
        requireEf(ef, Operation.READ, false);
        int number = pickRecord(ef, a.p1(), mode);
        byte[] record = ef.records.get(number - 1);
        if (a.ne() < record.length) {
            throw new IsoException(Sw.WRONG_LE | record.length);
        }
        currentRecord = number;
        return Sw.withData(record, 0, record.length, record.length < a.ne() && !a.leMax() ? Sw.END_OF_FILE : Sw.OK);
    }

    private static void checkRecordLength(ElementaryFile ef, int length) throws IsoException {
        boolean fits = ef.type == EfType.LINEAR_VARIABLE ? length <= ef.recordLength : length == ef.recordLength;
        if (!fits) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
    }

    private byte[] updateRecord(CommandApdu a) throws IsoException {
        int mode = recordMode(a);
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        ElementaryFile ef = recordTarget(a.p2());
        requireEf(ef, Operation.UPDATE, false);
        checkRecordLength(ef, a.nc());
        if (ef.type == EfType.CYCLIC && mode == 3) {
            rotateIn(ef, a.dataCopy());
            return Sw.only(Sw.OK);
        }
        int number = pickRecord(ef, a.p1(), mode);
        ef.records.set(number - 1, a.dataCopy());
        currentRecord = number;
        return Sw.only(Sw.OK);
    }

    private byte[] appendRecord(CommandApdu a) throws IsoException {
        if (a.p1() != 0 || (a.p2() & 0x07) != 0 || (a.p2() >> 3) == 0x1F) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        ElementaryFile ef = recordTarget(a.p2());
        requireEf(ef, Operation.UPDATE, false);
        checkRecordLength(ef, a.nc());
        switch (ef.type) {
            case LINEAR_VARIABLE -> {
                if (ef.records.size() >= ef.maxRecords) {
                    throw new IsoException(Sw.NOT_ENOUGH_MEMORY);
                }
                ef.records.add(a.dataCopy());
                currentRecord = ef.records.size();
            }
            case CYCLIC -> rotateIn(ef, a.dataCopy());
            default -> throw new IsoException(Sw.NOT_ENOUGH_MEMORY); // linear fixed: every record exists already
        }
        return Sw.only(Sw.OK);
    }

    /** Cyclic files: the oldest record goes, {@code record} becomes record 1 and the current record. */
    private void rotateIn(ElementaryFile ef, byte[] record) {
        ef.records.remove(ef.records.size() - 1);
        ef.records.add(0, record);
        currentRecord = 1;
    }

    // ------------------------------------------------------------------ file management

    private byte[] createFile(CommandApdu a) throws IsoException {
        if (a.p1p2() != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        DedicatedFile dir = currentDf;
        if (!dir.usable()) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        checkRule(dir, Operation.CREATE);
        CardFile file = Fcp.decode(a.raw(), a.dataOffset(), a.nc());
        if (!quirks.createRecordFiles() && file instanceof ElementaryFile ef && ef.type != EfType.TRANSPARENT) {
            throw new IsoException(Sw.FUNCTION_NOT_SUPPORTED);
        }
        for (AccessRule rule : file.rules.values()) {
            boolean found = switch (rule.kind()) {
                case PIN -> findPin(dir, rule.ref()) != null; // a new DF has no PINs or keys of its own
                case AUTH -> findKey(dir, rule.ref()) != null;
                default -> true;
            };
            if (!found) {
                throw new IsoException(Sw.REFERENCED_DATA_NOT_FOUND);
            }
        }
        if (file.fid == dir.fid || (dir.parent != null && dir.parent.fid == file.fid) || dir.child(file.fid) != null
                || (file instanceof ElementaryFile ef && ef.sfi != 0 && dir.childBySfi(ef.sfi) != null)) {
            throw new IsoException(Sw.FILE_EXISTS);
        }
        if (file instanceof DedicatedFile df && df.name != null && byName(mf, df.name) != null) {
            throw new IsoException(Sw.DF_NAME_EXISTS);
        }
        int cost = memoryOf(file);
        if (fileCount >= MAX_FILES || cost > memory - usedMemory) {
            throw new IsoException(Sw.NOT_ENOUGH_MEMORY);
        }
        dir.add(file);
        fileCount++;
        usedMemory += cost;
        select(file);
        return Sw.only(Sw.OK);
    }

    private byte[] deleteFile(CommandApdu a) throws IsoException {
        if (a.p2() != 0 || (a.nc() == 0 && !quirks.deleteCurrentFile())) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        CardFile target = resolve(a, true);
        if (target == mf) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        DedicatedFile dir = target.parent;
        if (!dir.usable()) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        checkRule(dir, Operation.DELETE);
        boolean selectionGone = currentDf.isWithin(target) || (currentEf != null && currentEf.isWithin(target));
        verifiedPins.removeIf(pin -> pin.owner.isWithin(target));
        authenticatedKeys.removeIf(key -> key.owner.isWithin(target));
        usedMemory -= memoryOf(target);
        fileCount -= countFiles(target);
        dir.children.remove(target);
        target.parent = null;
        if (selectionGone) {
            select(dir);
        }
        return Sw.only(Sw.OK);
    }

    private byte[] setLifeCycle(CommandApdu a, boolean activate) throws IsoException {
        if (a.p2() != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        CardFile target = resolve(a, true);
        if (target == mf) {
            if (!activate) {
                throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
            }
            select(mf);
            return Sw.only(Sw.OK);
        }
        if (!target.parent.usable()) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        checkRule(target, activate ? Operation.ACTIVATE : Operation.DEACTIVATE);
        target.activated = activate;
        select(target);
        return Sw.only(Sw.OK);
    }

    // ------------------------------------------------------------------ PINs

    /** The PIN P2 names ({@code 6A86} for b7-b6 set, {@code 6A88} when there is none). */
    private Pin pinFor(int p2) throws IsoException {
        if ((p2 & 0x60) != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        Pin pin = findPin(currentDf, p2);
        if (pin == null) {
            throw new IsoException(Sw.REFERENCED_DATA_NOT_FOUND);
        }
        return pin;
    }

    private byte[] wrongPin(Pin pin) {
        pin.triesLeft--;
        verifiedPins.remove(pin);
        return Sw.only(triesLeft(pin.triesLeft));
    }

    /** {@code 63Cx} with x tries left, or {@code 6300} on a card that never says (quirk triesInStatusWord). */
    private int triesLeft(int tries) {
        return quirks.triesInStatusWord() ? Sw.TRIES_LEFT | tries : Sw.VERIFICATION_FAILED;
    }

    private byte[] verify(CommandApdu a) throws IsoException {
        if (a.p1() != 0x00 && a.p1() != 0xFF) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        Pin pin = pinFor(a.p2());
        if (a.p1() == 0xFF) {
            requireLength(a, 0);
            verifiedPins.remove(pin);
            return Sw.only(Sw.OK);
        }
        if (pin.blocked()) {
            throw new IsoException(Sw.AUTHENTICATION_METHOD_BLOCKED);
        }
        if (a.nc() == 0) {
            return switch (quirks.emptyVerify()) {
                case STATUS -> Sw.only(verifiedPins.contains(pin) ? Sw.OK : triesLeft(pin.triesLeft));
                case COUNTS -> {
                    pin.triesLeft--;
                    verifiedPins.remove(pin);
                    yield Sw.only(Sw.VERIFICATION_FAILED);
                }
                case REFUSED -> Sw.only(Sw.WRONG_LENGTH);
            };
        }
        if (!pin.matches(a.raw(), a.dataOffset(), a.nc())) {
            return wrongPin(pin);
        }
        pin.triesLeft = pin.maxTries;
        verifiedPins.add(pin);
        return Sw.only(Sw.OK);
    }

    private byte[] changeReferenceData(CommandApdu a) throws IsoException {
        if (a.p1() != 0x00 && a.p1() != 0x01) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        Pin pin = pinFor(a.p2());
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        if (pin.blocked()) {
            throw new IsoException(Sw.AUTHENTICATION_METHOD_BLOCKED);
        }
        int length = pin.length();
        if (a.p1() == 0x01) {
            // The security status first: a caller without the PIN must not learn its length from 6700.
            if (!verifiedPins.contains(pin)) {
                throw new IsoException(Sw.SECURITY_STATUS_NOT_SATISFIED);
            }
            requireLength(a, length);
            pin.setValue(a.raw(), a.dataOffset());
            return Sw.only(Sw.OK);
        }
        // A presented old PIN of the wrong length is a wrong PIN (as in VERIFY): no free probing of the length.
        if (a.nc() < length || !pin.matches(a.raw(), a.dataOffset(), length)) {
            return wrongPin(pin);
        }
        // The old PIN was right: only now may a new PIN of the wrong length get 6700 (nothing counted or changed).
        requireLength(a, 2 * length);
        pin.setValue(a.raw(), a.dataOffset() + length);
        pin.triesLeft = pin.maxTries;
        verifiedPins.add(pin);
        return Sw.only(Sw.OK);
    }

    private byte[] resetRetryCounter(CommandApdu a) throws IsoException {
        if (a.p1() != 0x00 && a.p1() != 0x01) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        Pin pin = pinFor(a.p2());
        if (!pin.hasPuk()) {
            throw new IsoException(Sw.REFERENCED_DATA_NOT_FOUND);
        }
        if (a.nc() == 0) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        if (pin.pukTriesLeft == 0) {
            throw new IsoException(Sw.AUTHENTICATION_METHOD_BLOCKED);
        }
        int pukLength = pin.pukLength();
        // A presented PUK of the wrong length is a wrong PUK (P1 01: the data is the PUK; P1 00: shorter than it).
        boolean pukRight = (a.p1() == 0x01 ? a.nc() == pukLength : a.nc() >= pukLength)
                && pin.pukMatches(a.raw(), a.dataOffset(), pukLength);
        if (!pukRight) {
            pin.pukTriesLeft--;
            return Sw.only(triesLeft(pin.pukTriesLeft));
        }
        // The PUK was right: only now may a new PIN of the wrong length get 6700 (nothing counted or changed).
        requireLength(a, pukLength + (a.p1() == 0x00 ? pin.length() : 0));
        pin.pukTriesLeft = pin.pukMaxTries;
        if (a.p1() == 0x00) {
            pin.setValue(a.raw(), a.dataOffset() + pukLength);
        }
        pin.triesLeft = pin.maxTries;
        verifiedPins.remove(pin);
        return Sw.only(Sw.OK);
    }

    // ------------------------------------------------------------------ challenge and authentication

    private byte[] getChallenge(CommandApdu a) throws IsoException {
        if (a.p1p2() != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        if (a.nc() != 0 || !a.hasLe() || a.ne() > 256) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        byte[] bytes = new byte[a.ne()];
        random.nextBytes(bytes);
        challenge = bytes.clone();
        return Sw.withData(bytes, 0, bytes.length, Sw.OK);
    }

    /** The key P1-P2 of INTERNAL/EXTERNAL AUTHENTICATE name, with 16 bytes of data. */
    private CardKey keyFor(CommandApdu a) throws IsoException {
        if (a.p1() != 0 || (a.p2() & 0x60) != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        if (a.nc() != CardKey.LENGTH) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        CardKey key = findKey(currentDf, a.p2());
        if (key == null) {
            throw new IsoException(Sw.REFERENCED_DATA_NOT_FOUND);
        }
        return key;
    }

    private byte[] internalAuthenticate(CommandApdu a) throws IsoException {
        CardKey key = keyFor(a);
        if (a.hasLe() && a.ne() < CardKey.LENGTH) {
            throw new IsoException(Sw.WRONG_LE | CardKey.LENGTH);
        }
        if (challenge != null && challenge.length == a.nc()
                && Arrays.equals(challenge, 0, challenge.length, a.raw(), a.dataOffset(), a.dataOffset() + a.nc())) {
            // The cryptogram of the outstanding challenge is what EXTERNAL AUTHENTICATE wants: answering it and
            // keeping the challenge would let anyone authenticate without the key. The card answers (the data is
            // just bytes to encrypt) but the challenge is used up.
            challenge = null;
        }
        return respond(a, key.encrypt(a.raw(), a.dataOffset()), Sw.OK);
    }

    private byte[] externalAuthenticate(CommandApdu a) throws IsoException {
        CardKey key = keyFor(a);
        byte[] expectedFrom = challenge;
        challenge = null;
        if (expectedFrom == null || expectedFrom.length != CardKey.LENGTH) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        byte[] expected = key.encrypt(expectedFrom, 0);
        byte[] given = a.dataCopy();
        boolean right = MessageDigest.isEqual(expected, given);
        Arrays.fill(expected, (byte) 0);
        Arrays.fill(given, (byte) 0);
        if (!right) {
            authenticatedKeys.remove(key);
            return Sw.only(Sw.VERIFICATION_FAILED);
        }
        authenticatedKeys.add(key);
        return Sw.only(Sw.OK);
    }

    private byte[] getResponse(CommandApdu a, byte[] pending, int at) throws IsoException {
        if (a.p1p2() != 0) {
            throw new IsoException(Sw.WRONG_P1_P2);
        }
        if (a.nc() != 0 || !a.hasLe()) {
            throw new IsoException(Sw.WRONG_LENGTH);
        }
        if (pending == null) {
            throw new IsoException(Sw.CONDITIONS_OF_USE_NOT_SATISFIED);
        }
        int remaining = pending.length - at;
        int n = Math.min(a.ne(), remaining);
        int left = remaining - n;
        if (left > 0) {
            pendingResponse = pending;
            pendingOffset = at + n;
            return Sw.withData(pending, at, n, Sw.BYTES_REMAINING | (left >= 256 ? 0 : left));
        }
        return Sw.withData(pending, at, n, Sw.OK);
    }

    // ------------------------------------------------------------------ for tests

    /** The MF (tests only: they must not change it). */
    DedicatedFile mf() {
        return mf;
    }

    DedicatedFile currentDf() {
        return currentDf;
    }

    ElementaryFile currentEf() {
        return currentEf;
    }

    int currentRecord() {
        return currentRecord;
    }

    boolean isVerified(Pin pin) {
        return verifiedPins.contains(pin);
    }

    boolean isAuthenticated(CardKey key) {
        return authenticatedKeys.contains(key);
    }

    int usedMemory() {
        return usedMemory;
    }

    int memory() {
        return memory;
    }

    /**
     * A fingerprint of every file's persistent state (structure, contents, life cycle, conditions) by path, for
     * tests that check which commands change what.
     */
    synchronized Map<String, Integer> fileFingerprints() {
        Map<String, Integer> prints = new LinkedHashMap<>();
        fingerprint(mf, prints);
        return prints;
    }

    private static void fingerprint(CardFile file, Map<String, Integer> prints) {
        int hash = file.rules.hashCode() * 31 + (file.activated ? 1 : 0);
        if (file instanceof ElementaryFile ef) {
            hash = hash * 31 + ef.type.hashCode();
            hash = hash * 31 + ef.sfi;
            hash = hash * 31 + (ef.data == null ? 0 : Arrays.hashCode(ef.data));
            for (byte[] record : ef.records) {
                hash = hash * 31 + Arrays.hashCode(record);
            }
        } else {
            DedicatedFile df = (DedicatedFile) file;
            hash = hash * 31 + Arrays.hashCode(df.name);
            for (CardFile child : df.children) {
                hash = hash * 31 + child.fid;
            }
        }
        prints.put(file.path(), hash);
        if (file instanceof DedicatedFile df) {
            for (CardFile child : df.children) {
                fingerprint(child, prints);
            }
        }
    }

    /** Every PIN's persistent state (value, counters) by {@code path:ref}, for tests. */
    synchronized Map<String, Integer> pinFingerprints() {
        Map<String, Integer> prints = new LinkedHashMap<>();
        pinPrints(mf, prints);
        return prints;
    }

    private static void pinPrints(DedicatedFile df, Map<String, Integer> prints) {
        for (Pin pin : df.pins.values()) {
            prints.put(df.path() + ":" + String.format("%02X", pin.ref), pin.stateHash());
        }
        for (CardFile child : df.children) {
            if (child instanceof DedicatedFile sub) {
                pinPrints(sub, prints);
            }
        }
    }

    /**
     * Checks the model's invariants (for tests): the tree is well linked, identifiers, SFIs and DF names are
     * unique where they must be, every file's contents fit its structure, the memory and file counts match the
     * tree, every condition names a PIN or key on its path, the selection is in the tree, counters are in range,
     * and the security state holds only PINs with a full counter and local PINs and keys on the current path.
     *
     * @throws IllegalStateException naming the first broken invariant
     */
    synchronized void checkInvariants() {
        if (mf.parent != null || !mf.activated) {
            fail("the MF has a parent or is deactivated");
        }
        Set<String> names = new java.util.HashSet<>();
        checkTree(mf, names);
        if (memoryOf(mf) != usedMemory || usedMemory > memory) {
            fail("memory bookkeeping: " + usedMemory + " used, tree holds " + memoryOf(mf) + ", card has " + memory);
        }
        if (countFiles(mf) != fileCount || fileCount > MAX_FILES) {
            fail("file count bookkeeping: " + fileCount + ", tree holds " + countFiles(mf));
        }
        if (!currentDf.isWithin(mf)) {
            fail("the current DF " + currentDf + " is not in the tree");
        }
        if (currentEf != null && currentEf.parent != currentDf) {
            fail("the current EF " + currentEf + " is not in the current DF " + currentDf);
        }
        int records = currentEf == null ? 0 : currentEf.records.size();
        if (currentRecord < 0 || currentRecord > records) {
            fail("current record " + currentRecord + " of " + records);
        }
        for (Pin pin : verifiedPins) {
            if (!pin.owner.isWithin(mf) || !currentDf.isWithin(pin.owner) || pin.triesLeft != pin.maxTries) {
                fail("verified " + pin + " is gone, off the current path or not at a full counter");
            }
        }
        for (CardKey key : authenticatedKeys) {
            if (!key.owner.isWithin(mf) || !currentDf.isWithin(key.owner)) {
                fail("authenticated " + key + " is gone or off the current path");
            }
        }
        if (challenge != null && (challenge.length < 1 || challenge.length > 256)) {
            fail("challenge of " + challenge.length + " bytes");
        }
    }

    private void checkTree(CardFile file, Set<String> names) {
        for (Map.Entry<Operation, AccessRule> entry : file.rules.entrySet()) {
            AccessRule rule = entry.getValue();
            boolean resolves = switch (rule.kind()) {
                case PIN -> findPin(file.scope(), rule.ref()) != null;
                case AUTH -> findKey(file.scope(), rule.ref()) != null;
                default -> true;
            };
            if (!entry.getKey().appliesTo(file.isDf()) || !resolves) {
                fail(file + ": condition " + entry.getKey() + " " + rule + " does not apply or does not resolve");
            }
        }
        if (file instanceof ElementaryFile ef) {
            checkEf(ef);
            return;
        }
        DedicatedFile df = (DedicatedFile) file;
        if (df.name != null && !names.add(java.util.HexFormat.of().formatHex(df.name))) {
            fail(df + ": DF name used twice");
        }
        for (Pin pin : df.pins.values()) {
            boolean global = (pin.ref & 0x80) == 0;
            if (pin.owner != df || global != (df == mf) || pin.triesLeft < 0 || pin.triesLeft > pin.maxTries
                    || pin.pukTriesLeft < 0 || pin.pukTriesLeft > pin.pukMaxTries) {
                fail(df + ": " + pin + " is out of order");
            }
        }
        for (CardKey key : df.keys.values()) {
            if (key.owner != df || ((key.ref & 0x80) == 0) != (df == mf)) {
                fail(df + ": " + key + " is out of order");
            }
        }
        Set<Integer> fids = new java.util.HashSet<>();
        Set<Integer> sfis = new java.util.HashSet<>();
        for (CardFile child : df.children) {
            if (child.parent != df || child.fid == df.fid || child.fid == 0x3F00 || !fids.add(child.fid)) {
                fail(child + ": badly linked or its identifier is taken");
            }
            if (child instanceof ElementaryFile ef && ef.sfi != 0 && !sfis.add(ef.sfi)) {
                fail(child + ": SFI taken");
            }
            checkTree(child, names);
        }
    }

    private static void checkEf(ElementaryFile ef) {
        if (ef.type == EfType.TRANSPARENT) {
            if (ef.data == null || ef.data.length < 1 || ef.data.length > 65535 || !ef.records.isEmpty()) {
                fail(ef + ": transparent file out of shape");
            }
            return;
        }
        boolean full = ef.type != EfType.LINEAR_VARIABLE;
        if (ef.data != null || ef.records.size() > ef.maxRecords || (full && ef.records.size() != ef.maxRecords)) {
            fail(ef + ": " + ef.records.size() + " records of at most " + ef.maxRecords);
        }
        for (byte[] record : ef.records) {
            if (full ? record.length != ef.recordLength : record.length < 1 || record.length > ef.recordLength) {
                fail(ef + ": a record of " + record.length + " bytes, record length " + ef.recordLength);
            }
        }
    }

    private static void fail(String message) {
        throw new IllegalStateException(message);
    }

    @Override
    public String toString() {
        return "IsoCard[" + label + ", " + (protocol == Protocol.T0 ? "T=0" : "T=1") + "]";
    }
}
