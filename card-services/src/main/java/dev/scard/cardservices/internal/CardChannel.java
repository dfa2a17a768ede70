package dev.scard.cardservices.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Predicate;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.iso7816.StatusWords;

/**
 * What one card-service object talks to: the attachment-scoped manager a factory received, plus what has been
 * learned about the card (whether it takes extended-length APDUs). Shared argument checks live here too.
 *
 * <p><b>What is selected.</b> Every card service created over the same attachment view (the manager hands every
 * factory call of one attachment and card insertion the same view object) shares one record of the card's
 * selection: which file the last SELECT of an {@link IsoFileAccess} left selected, by which object, with its
 * answer. Every command sent here that may change the selection (anything but the reading, writing, PIN and
 * authentication commands listed in {@link #keepsSelection}) and every failed transmission forgets it, so a
 * selection recorded here is the card's as far as the card services know. Whether a selection may be trusted across
 * calls is decided by {@link #begin}.
 */
final class CardChannel {

    /** The selection record of every attachment view in use (weak: it goes with the view). */
    private static final Map<ISCardManage, Shared> SHARED = new WeakHashMap<>();

    /**
     * What a SELECT left selected.
     *
     * @param path the absolute path
     * @param answer the SELECT's answer with the FCP, or null when it was selected without response data
     * @param owner the service object that selected it
     * @param locked whether the manager held the lock when it was selected
     */
    record Selection(List<Integer> path, Apdu.Response answer, Object owner, boolean locked) {
    }

    /** The state the services of one attachment view share; guarded by the view's monitor. */
    private static final class Shared {
        Selection selection;
        /** The retry counter each PIN reference (P2) showed last ({@code 63Cx}), while nothing may have changed it. */
        final Map<Integer, Integer> pinTries = new java.util.HashMap<>();
        /**
         * The path the card services selected last, while no command they sent since may have selected another
         * file; unlike {@link #selection} kept across calls (see {@link CardChannel#begin}): the card's selection
         * unless another application moved it. Null when unknown.
         */
        List<Integer> lastSelected;
        /** The longest code each PIN reference takes by the card's PKCS#15 AODF; null until read. */
        Map<Integer, Integer> pinLimits;
    }

    /** Transmit failures that mean "this reader or driver cannot carry an extended APDU". */
    private static final Set<HResult> EXTENDED_REFUSED_BY_READER = Set.of(HResult.SCARD_E_INVALID_PARAMETER,
            HResult.SCARD_E_INSUFFICIENT_BUFFER, HResult.SCARD_E_UNSUPPORTED_FEATURE,
            HResult.SCARD_E_READER_UNSUPPORTED, HResult.SCARD_E_INVALID_VALUE);

    private final ISCardManage manager;
    private final Shared shared;
    /** Set once the card or the reader refused an extended-length APDU; short APDUs only from then on. */
    private volatile boolean shortOnly;

    CardChannel(ISCardManage manager) {
        this.manager = manager;
        synchronized (SHARED) {
            this.shared = SHARED.computeIfAbsent(manager, view -> new Shared());
        }
    }

    /** The manager (view) this channel sends through. */
    ISCardManage manager() {
        return manager;
    }

    /**
     * Fails with {@code SCARD_E_INVALID_HANDLE} once the attachment the service was created from has ended, so
     * that methods which do not talk to the card fail like those that do.
     */
    void requireAlive() {
        if (!manager.isAttached()) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE,
                    "the attachment this interface was created from has ended");
        }
    }

    /**
     * Starts one call of a service that selects files: fails like {@link #requireAlive()} once the attachment ended,
     * and forgets the recorded selection unless {@code owner} made it, the manager held the lock then and holds it now,
     * and {@code trusted} accepts its path. Within one call the selection is the service's own (it runs synchronized on
     * the view); across calls only the lock keeps other applications from selecting other files, and only the
     * service that selected a file trusts it (for {@link IsoFileAccess}: while it has that file open). Call with the
     * view's monitor held.
     */
    void begin(Object owner, Predicate<List<Integer>> trusted) {
        requireAlive();
        Selection selection = shared.selection;
        if (selection != null && (selection.owner() != owner || !selection.locked() || !manager.isLocked()
                || !trusted.test(selection.path()))) {
            shared.selection = null;
        }
    }

    /**
     * The recorded answer to a SELECT of {@code path} with the FCP, when that is what is selected now (see
     * {@link #begin}); null when it must be selected (again).
     */
    Apdu.Response selectedWithFcp(List<Integer> path) {
        Selection selection = shared.selection;
        return selection != null && selection.answer() != null && selection.path().equals(path) ? selection.answer()
                : null;
    }

    /** Whether {@code path} is selected now, with or without its FCP (see {@link #begin}). */
    boolean isSelected(List<Integer> path) {
        Selection selection = shared.selection;
        return selection != null && selection.path().equals(path);
    }

    /** Records that {@code owner} selected {@code path} just now ({@code answer}: with the FCP, or null). */
    void selected(List<Integer> path, Apdu.Response answer, Object owner) {
        shared.selection = new Selection(path, answer, owner, manager.isLocked());
        shared.lastSelected = path;
    }

    /**
     * The retry counter the PIN with reference {@code p2} showed last over this attachment ({@code 63Cx} to a VERIFY),
     * or -1 when it has not, or something may have changed it since (a correct PIN, a change, an unblock; for a local
     * PIN, another selection).
     */
    int lastTries(int p2) {
        return shared.pinTries.getOrDefault(p2, -1);
    }

    /** Records the retry counter a PIN showed ({@code tries}), or forgets it ({@code -1}). */
    void sawTries(int p2, int tries) {
        if (tries < 0) {
            shared.pinTries.remove(p2);
        } else {
            shared.pinTries.put(p2, tries);
        }
    }

    /** What the card services selected last, or null (see {@link Shared#lastSelected}). */
    List<Integer> lastSelected() {
        return shared.lastSelected;
    }

    /**
     * Records that the card's selection is {@code path} again (null: unknown) after commands sent through this
     * channel (that selected nothing, or selected it again); the recorded answer and the trust of {@link #begin} are
     * gone.
     */
    void reselected(List<Integer> path) {
        shared.selection = null;
        shared.lastSelected = path;
    }

    /**
     * The longest code each PIN reference (VERIFY's P2) takes according to the card's PKCS#15 AODF, read over this
     * attachment view the first time it is asked for ({@link PinLengths}); empty when the card says nothing.
     */
    Map<Integer, Integer> pinLimits() {
        Map<Integer, Integer> limits = shared.pinLimits;
        if (limits == null) {
            limits = PinLengths.read(this);
            shared.pinLimits = limits;
        }
        return limits;
    }

    /** Forgets the selection: something (a reset, say) may have changed it. */
    void forgetSelection() {
        shared.selection = null;
        shared.lastSelected = null;
    }

    /** Sends a command and splits the answer; forgets the selection unless the command keeps it. */
    Apdu.Response send(byte[] command) {
        boolean keeps = keepsSelection(command);
        byte[] response;
        try {
            response = manager.transmit(command);
        } catch (RuntimeException e) {
            shared.selection = null; // the card may have been reset or removed
            shared.lastSelected = null;
            throw e;
        }
        if (!keeps) {
            shared.selection = null;
            shared.lastSelected = null;
            shared.pinTries.keySet().removeIf(p2 -> (p2 & 0x80) != 0); // a local PIN is the current DF's
        }
        return Apdu.Response.of(response);
    }

    /**
     * Whether a command leaves the card's selection and the selected file's FCP as they are: READ BINARY, UPDATE
     * BINARY (even and odd), READ RECORD and UPDATE RECORD on the current EF (no short identifier), VERIFY, CHANGE
     * REFERENCE DATA, RESET RETRY COUNTER, ENABLE/DISABLE VERIFICATION REQUIREMENT, GET CHALLENGE, the
     * AUTHENTICATE commands, GET RESPONSE, GET DATA, MANAGE SECURITY ENVIRONMENT, PERFORM SECURITY OPERATION and LIST
     * FILES ({@code 80 16}). Anything else (SELECT, CREATE, DELETE, APPEND RECORD, which changes the record count,
     * ACTIVATE/DEACTIVATE, which change the life cycle, and every command not known here) may change them.
     */
    static boolean keepsSelection(byte[] command) {
        if (command.length < 4) {
            return false;
        }
        int ins = command[1] & 0xFF;
        int p1 = command[2] & 0xFF;
        int p2 = command[3] & 0xFF;
        return switch (ins) {
            case 0xB0, 0xD6 -> (p1 & 0x80) == 0; // P1 bit 8 set: a short EF identifier selects another EF
            case 0xB1, 0xD7 -> p1 == 0 && p2 == 0; // P1-P2 0000: the current EF
            case 0xB2, 0xDC -> (p2 >> 3) == 0; // SFI bits 0: the current EF
            case 0x20, 0x21, 0x24, 0x2C, 0x26, 0x28, 0x84, 0x82, 0x88, 0x86, 0x87, 0xC0, 0xCA, 0xCB, 0x22, 0x2A -> true;
            case 0x16 -> (command[0] & 0xFF) == Listing.CLA_LIST_FILES;
            default -> false;
        };
    }

    /**
     * Sends a command that carries a secret (a PIN, a PUK, a cryptogram) and zeroes the command once it has been
     * transmitted, whether the transmission succeeded or not. The command must be this service's own array.
     */
    Apdu.Response sendWiping(byte[] command) {
        try {
            return send(command);
        } finally {
            Arrays.fill(command, (byte) 0);
        }
    }

    /** Whether extended-length APDUs may still be tried. */
    boolean extendedAllowed() {
        return !shortOnly;
    }

    /**
     * Sends an extended-length command; when the card answers {@code 6700} or the reader refuses it, remembers
     * that only short APDUs work and returns null, so the caller retries in short pieces.
     */
    Apdu.Response sendExtended(byte[] command) {
        Apdu.Response response;
        try {
            response = send(command);
        } catch (SCardException e) {
            if (EXTENDED_REFUSED_BY_READER.contains(e.code())) {
                shortOnly = true;
                return null;
            }
            throw e;
        }
        if (response.sw() == StatusWords.WRONG_LENGTH) {
            shortOnly = true;
            return null;
        }
        return response;
    }

    /**
     * Checks a flag set: not null, no null element, and no {@link SCardFlag#SECURE_MESSAGING}, which these generic
     * services cannot do.
     */
    static Set<SCardFlag> checkFlags(Set<SCardFlag> flags) {
        if (flags == null) {
            throw new SCardException(HResult.E_INVALIDARG, "flags must not be null (use SCardFlag.NONE)");
        }
        for (SCardFlag flag : flags) {
            if (flag == null) {
                throw new SCardException(HResult.E_INVALIDARG, "flags must not contain null");
            }
        }
        if (flags.contains(SCardFlag.SECURE_MESSAGING)) {
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, "secure messaging (SC_FL_SECURE_MESSAGING)"
                    + " is not supported by the generic ISO 7816-4 card services; register a card-specific"
                    + " provider for it");
        }
        return flags;
    }

    /** An {@code E_INVALIDARG} failure. */
    static SCardException invalid(String detail) {
        return new SCardException(HResult.E_INVALIDARG, detail);
    }
}
