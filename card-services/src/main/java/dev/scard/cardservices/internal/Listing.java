package dev.scard.cardservices.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.CommandApdu;
import dev.scard.iso7816.Fcp;
import dev.scard.iso7816.StatusWords;

/**
 * The files directly in a DF. ISO 7816-4 has no command that lists them, so this asks the card's own listing
 * command first and probes otherwise:
 * <ol>
 * <li><b>LIST FILES</b> ({@code 80 16 00 00}, Le {@code 00}): the proprietary directory command modelled on the one
 * CardOS has ({@code CLA 80 INS 16}), as the simulated ISO card answers it: the 2-byte identifiers of the files
 * directly in the current DF, concatenated ({@code 9000}; nothing for an empty DF). (CardOS itself, as OpenSC
 * drives it, takes P1 {@code 02} and answers {@code 6F} templates with the identifier in tag {@code 86}: another
 * format, which this class does not read; a CardOS-specific provider would.) The caller has just selected the DF
 * (every caller in {@link IsoFileAccess} selects it with its FCP first, to check that it is an active DF).
 * More than 128 files ({@code 6700} to the short Le) are asked for again with an extended Le {@code 0000} where
 * extended APDUs work; {@code 6Cxx} is answered with Le xx. Then each listed file is selected once, by its path
 * with the FCP, to tell DFs from EFs, the kind of EF and short identifiers; a question that one file answers (is
 * the DF empty? which EF has this short identifier?) stops there (the first needs no SELECT at all). That is
 * 2 + n APDUs for a DF with n files, the DF's own SELECT included.</li>
 * <li><b>Well-known identifiers</b>, when the card has no such command: a bounded set, {@link #WELL_KNOWN} (the
 * ISO 7816-4, ISO 7816-15/PKCS#15 and ETSI identifiers cards use most), each tried with one SELECT by path with the
 * FCP, and in the MF the applications EF.DIR ({@code 2F00}) names: each application template's AID ({@code 61}/
 * {@code 4F}) selected by name ({@code 00 A4 04 04}), its FCP's file identifier checked under the MF by path (at
 * most {@link #MAX_APPLICATIONS}). That is about 35 APDUs, two seconds on a card answering 20 APDUs a second, and
 * the listing <em>may be incomplete</em>: a file with another identifier is not found. (The earlier way, a SELECT
 * of every identifier 0000 to FFFE, took 65,533 APDUs: about an hour on such a card.) A file the card does not
 * find is absent; SELECTs the card refuses as such ({@code 6A86}, {@code 6A81}) end the listing with
 * {@code SCARD_E_UNSUPPORTED_FEATURE}. Whether a DF is empty cannot be told this way: a non-recursive delete of a
 * DF where none of the set is found fails with {@code SCARD_E_UNSUPPORTED_FEATURE} instead of guessing. The
 * thread's interrupt (Ctrl-C in the shell) ends a listing between two APDUs with {@code SCARD_E_CANCELLED}.</li>
 * </ol>
 * A file whose SELECT answer tells nothing (no FCP) costs one SELECT {@code P1=02} more, to tell a DF from an EF
 * (see {@link #entry}).
 * A card has no LIST FILES when it answers {@code 6D00} (instruction), {@code 6E00} (class), {@code 6A86} (P1-P2),
 * {@code 6A81} (function) or {@code 6881} (logical channel) not supported, or when its answer is no list of
 * identifiers (an odd length, a reserved identifier {@code 3F00}/{@code 3FFF}/{@code FFFF}, an identifier twice,
 * or a listed file that cannot be selected): this object then remembers it and tries the well-known identifiers from
 * then on, so such a card pays for one refused APDU per interface, not per listing. Any other refusal (a security
 * condition, say) makes this one listing try them, and the next one asks again. A card-specific {@code ISCardFileAccess} provider
 * (registered for the card's ATR) can list files with another command of its card.
 */
final class Listing {

    /** LIST FILES: the class and instruction of the card's own listing command. */
    static final int CLA_LIST_FILES = 0x80;
    static final int INS_LIST_FILES = 0x16;
    private static final int INS_SELECT = 0xA4;
    private static final int INS_READ_BINARY = 0xB0;
    private static final int INS_READ_RECORD = 0xB2;

    /**
     * The file identifiers a listing tries on a card without LIST FILES, in this order: ISO 7816-4's EF.DIR
     * ({@code 2F00}), EF.ATR ({@code 2F01}), EF.ARR ({@code 2F06}); the serial number and general-data EFs
     * {@code 2F02}-{@code 2F05} (PKCS#15's EF.ICCSN, eID cards), ETSI's EF.ICCID ({@code 2FE2}); ISO 7816-15 /
     * PKCS#15: the application DF {@code 5015}, EF.ODF {@code 5031}, EF.TokenInfo {@code 5032}, EF.UnusedSpace
     * {@code 5033}, and the object directories and objects {@code 4401}-{@code 440A} as OpenSC's pkcs15-init lays them
     * out; ETSI/3GPP: DF.TELECOM {@code 7F10}, DF.GSM {@code 7F20}, DF.DCS1800 {@code 7F21}, USIM's ADF shortcut
     * {@code 7FFF}; and a few found on signature and ID cards: {@code 0001}-{@code 0003}, {@code 1000}, {@code 3F01},
     * {@code 4000}, {@code 5000}, {@code 6F00}. 34 identifiers.
     */
    static final int[] WELL_KNOWN = {0x2F00, 0x2F01, 0x2F02, 0x2F03, 0x2F04, 0x2F05, 0x2F06, 0x2FE2, 0x5015, 0x5031,
        0x5032, 0x5033, 0x4401, 0x4402, 0x4403, 0x4404, 0x4405, 0x4406, 0x4407, 0x4408, 0x4409, 0x440A, 0x7F10,
        0x7F20, 0x7F21, 0x7FFF, 0x0001, 0x0002, 0x0003, 0x1000, 0x3F01, 0x4000, 0x5000, 0x6F00};
    /** The most applications of EF.DIR a listing of the MF looks for. */
    static final int MAX_APPLICATIONS = 8;
    /** EF.DIR's file identifier. */
    private static final int EF_DIR = 0x2F00;

    /** The answers that mean "this card has no LIST FILES". */
    private static final Set<Integer> NOT_OFFERED = Set.of(StatusWords.INS_NOT_SUPPORTED,
            StatusWords.CLA_NOT_SUPPORTED, StatusWords.INCORRECT_P1_P2, StatusWords.FUNCTION_NOT_SUPPORTED,
            StatusWords.LOGICAL_CHANNEL_NOT_SUPPORTED);

    /**
     * One file directly in a DF.
     *
     * @param type its kind from its FCP, null when the FCP does not tell
     */
    record Entry(int fid, boolean directory, FileType type) {
    }

    /**
     * How a listed or probed file is selected: by its absolute path, with its FCP or without response data (the
     * response as the card gave it): the same selection as every other operation of {@link IsoFileAccess} (by path,
     * or level by level on cards that do not select by path).
     */
    @FunctionalInterface
    interface Selector {
        Apdu.Response select(List<Integer> path, boolean withFcp);
    }

    private final CardChannel card;
    private final Selector selector;
    /** Cleared for good once the card showed that it has no LIST FILES; from then on listings try well-known ones. */
    private boolean listCommand = true;
    /** Set when a SELECT of a listed or probed file succeeded, so the card's current DF may be another one. */
    private boolean selectionMoved;

    /**
     * @param selector selects a listed file (IsoFileAccess's selection, which also works on cards that select
     *        level by level)
     */
    Listing(CardChannel card, Selector selector) {
        this.card = card;
        this.selector = selector;
    }

    /**
     * The files directly in the DF {@code dir} (an absolute path, the card's current DF), in identifier order.
     *
     * @param what what is being done, for failure messages
     */
    List<Entry> children(List<Integer> dir, String what) {
        int[] listed = listFiles();
        if (listed != null) {
            List<Entry> entries = new ArrayList<>(listed.length);
            for (int fid : listed) {
                Fcp fcp = describe(dir, fid, what);
                if (fcp == null) {
                    entries = null;
                    break;
                }
                entries.add(entry(fid, fcp));
            }
            if (entries != null) {
                return entries;
            }
        }
        return wellKnown(dir, what, false);
    }

    /**
     * The files of {@code dir} among {@link #WELL_KNOWN} and, for the MF, the applications of EF.DIR, in identifier
     * order; with {@code firstOnly}, stops at the first one found.
     */
    private List<Entry> wellKnown(List<Integer> dir, String what, boolean firstOnly) {
        TreeMap<Integer, Entry> found = new TreeMap<>();
        for (int fid : WELL_KNOWN) {
            if (dir.get(dir.size() - 1) == fid) {
                continue; // a DF's own identifier is not a child of it
            }
            Fcp fcp = probe(dir, fid, what);
            if (fcp != null) {
                found.put(fid, entry(fid, fcp));
                if (firstOnly) {
                    break;
                }
                if (fid == EF_DIR && dir.size() == 1) {
                    for (int app : applications(fcp, what)) {
                        found.putIfAbsent(app, new Entry(app, true, FileType.DIRECTORY_FILE));
                    }
                }
            }
        }
        return new ArrayList<>(found.values());
    }

    /**
     * The entry of the file {@code fid} just selected by its path (so the card's current DF is the file's DF when
     * it is an EF, the file itself when it is a DF). When its FCP does not tell a DF from an EF (the card answered
     * SELECT with the status word alone, or with no file descriptor nor DF name), one more APDU asks the card:
     * SELECT {@code P1=02} ("EF under the current DF", no response data) with the identifier. {@code 9000} (or
     * {@code 6283}, deactivated) says an EF; {@code 6A82} says a DF, which is not an EF of the DF it made the current
     * one; any other answer (a card that does not take {@code P1=02}) tells nothing, and the file is taken for an EF
     * of unknown kind. So a listing costs at most one APDU more per such file, and a card with an FCP none.
     */
    private Entry entry(int fid, Fcp fcp) {
        if (fcp.category() != Fcp.Category.UNKNOWN) {
            return new Entry(fid, fcp.isDf(), fileType(fcp));
        }
        Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_SELECT, 0x02, 0x0C,
                new byte[] {(byte) (fid >> 8), (byte) fid}, 0));
        boolean df = response.sw() == StatusWords.FILE_NOT_FOUND;
        return new Entry(fid, df, df ? FileType.DIRECTORY_FILE : null);
    }

    /**
     * The file identifiers of the MF's application DFs that EF.DIR (just selected, its FCP given) names: each
     * template {@code 61}'s AID {@code 4F} selected by name, kept when its FCP's identifier is a DF of the MF.
     */
    private List<Integer> applications(Fcp efDir, String what) {
        List<byte[]> aids = new ArrayList<>();
        if (efDir.isRecordFile()) {
            int records = efDir.recordCount() >= 0 ? (int) Math.min(efDir.recordCount(), MAX_APPLICATIONS)
                    : MAX_APPLICATIONS;
            for (int record = 1; record <= records; record++) {
                checkInterrupt(what);
                Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_READ_RECORD, record, 0x04, null,
                        CommandApdu.MAX_SHORT_NE));
                if (!response.ok()) {
                    break;
                }
                collectAids(response.data(), aids);
            }
        } else if (!efDir.isDf()) {
            Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_READ_BINARY, 0x00, 0x00, null,
                    CommandApdu.MAX_SHORT_NE));
            if (response.ok() || response.sw() == StatusWords.END_OF_FILE) {
                collectAids(response.data(), aids);
            }
        }
        List<Integer> fids = new ArrayList<>();
        for (int i = 0; i < aids.size() && i < MAX_APPLICATIONS; i++) {
            checkInterrupt(what);
            Apdu.Response response = card.send(CommandApdu.encode(0x00, INS_SELECT, 0x04, 0x04, aids.get(i),
                    CommandApdu.MAX_SHORT_NE));
            selectionMoved = true;
            if (!response.ok() && response.sw() != StatusWords.SELECTED_FILE_DEACTIVATED) {
                continue;
            }
            Fcp fcp;
            try {
                fcp = response.fcp();
            } catch (IllegalArgumentException e) {
                continue;
            }
            int fid = fcp.fid();
            if (fid < 0 || fid == CardPath.MF || !fcp.isDf()) {
                continue;
            }
            Fcp underMf = probe(List.of(CardPath.MF), fid, what);
            if (underMf != null && underMf.isDf() && Arrays.equals(underMf.dfName(), fcp.dfName())) {
                fids.add(fid);
            }
        }
        return fids;
    }

    /** The AIDs ({@code 4F}) of the application templates ({@code 61}) in EF.DIR data; malformed data adds none. */
    private static void collectAids(byte[] data, List<byte[]> aids) {
        try {
            for (BerTlv.DataObject template : BerTlv.parse(data)) {
                if (template.tag() != 0x61) {
                    continue;
                }
                for (BerTlv.DataObject inner : BerTlv.parse(data, template.offset(), template.length())) {
                    if (inner.tag() == 0x4F && inner.length() >= 1 && inner.length() <= 16) {
                        aids.add(inner.value(data));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            // not BER-TLV (padding, a proprietary format): no applications from it
        }
    }

    /** Ends a listing when the thread was interrupted (Ctrl-C in the shell), between two APDUs. */
    static void checkInterrupt(String what) {
        if (Thread.currentThread().isInterrupted()) {
            throw new SCardException(HResult.SCARD_E_CANCELLED, what + ": interrupted");
        }
    }

    /** Whether the DF {@code dir} (the card's current DF) holds any file; probing stops at the first one found. */
    boolean hasChildren(List<Integer> dir, String what) {
        int[] listed = listFiles();
        if (listed != null) {
            return listed.length > 0;
        }
        if (!wellKnown(dir, what, true).isEmpty()) {
            return true;
        }
        throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, what + ": the card has no LIST FILES, so"
                + " whether " + CardPath.format(dir) + " is empty cannot be told (none of the well-known file"
                + " identifiers is in it)");
    }

    /**
     * The identifier of the EF with short identifier {@code sfi} directly in the DF {@code dir} (the card's current
     * DF), or -1. Short identifiers are unique in a DF, so the search stops at the first match; it tries first the
     * identifiers whose bits 5 to 1 are the SFI (ISO 7816-4's default SFI of an EF), where it usually is.
     */
    int findShortId(List<Integer> dir, int sfi, String what) {
        int[] listed = listFiles();
        if (listed != null) {
            int found = findShortIdIn(listed, dir, sfi, what);
            if (found != -2) {
                return found;
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int fid : WELL_KNOWN) {
                if (((fid & 0x1F) == sfi) == (pass == 0)) {
                    Fcp fcp = probe(dir, fid, what);
                    if (fcp != null && !fcp.isDf() && fcp.sfi() == sfi) {
                        return fid;
                    }
                }
            }
        }
        return -1;
    }

    /** {@link #findShortId} among listed files; -2 when a listed file is not there (the list is no list). */
    private int findShortIdIn(int[] listed, List<Integer> dir, int sfi, String what) {
        for (int pass = 0; pass < 2; pass++) {
            for (int fid : listed) {
                if (((fid & 0x1F) == sfi) == (pass == 0)) {
                    Fcp fcp = describe(dir, fid, what);
                    if (fcp == null) {
                        return -2;
                    }
                    if (!fcp.isDf() && fcp.sfi() == sfi) {
                        return fid;
                    }
                }
            }
        }
        return -1;
    }

    /**
     * LIST FILES in the card's current DF: the identifiers, ascending; null when the card did not list them (then
     * the caller probes).
     */
    private int[] listFiles() {
        if (!listCommand) {
            return null;
        }
        Apdu.Response response = card.send(CommandApdu.encode(CLA_LIST_FILES, INS_LIST_FILES, 0x00, 0x00, null,
                CommandApdu.MAX_SHORT_NE));
        int sw = response.sw();
        if ((sw & 0xFF00) == 0x6C00) { // the exact length, which the card wants as Le
            int ne = sw & 0xFF;
            response = card.send(CommandApdu.encode(CLA_LIST_FILES, INS_LIST_FILES, 0x00, 0x00, null,
                    ne == 0 ? CommandApdu.MAX_SHORT_NE : ne));
            sw = response.sw();
        } else if (sw == StatusWords.WRONG_LENGTH && card.extendedAllowed()) { // more than 128 files
            Apdu.Response extended = card.sendExtended(CommandApdu.encode(CLA_LIST_FILES, INS_LIST_FILES, 0x00, 0x00,
                    null, CommandApdu.MAX_EXTENDED_NE, true));
            if (extended == null) {
                return null; // no extended APDUs on this card or reader: this listing probes
            }
            response = extended;
            sw = response.sw();
        }
        if (NOT_OFFERED.contains(sw)) {
            listCommand = false;
            return null;
        }
        if (sw != StatusWords.OK) {
            return null;
        }
        int[] fids = identifiers(response.data());
        if (fids == null) {
            listCommand = false;
        }
        return fids;
    }

    /**
     * Whether this object selected another file since the last call (and clears that): then the caller selects its
     * current DF again, so that a DF-specific command (a local PIN) that follows goes to the right DF.
     */
    boolean takeSelectionMoved() {
        boolean moved = selectionMoved;
        selectionMoved = false;
        return moved;
    }

    /** The identifiers in a LIST FILES answer, ascending; null when it is no list of distinct file identifiers. */
    static int[] identifiers(byte[] data) {
        if (data.length % 2 != 0) {
            return null;
        }
        int[] fids = new int[data.length / 2];
        for (int i = 0; i < fids.length; i++) {
            int fid = ((data[2 * i] & 0xFF) << 8) | (data[2 * i + 1] & 0xFF);
            if (fid == CardPath.MF || fid == 0x3FFF || fid == 0xFFFF) {
                return null;
            }
            fids[i] = fid;
        }
        Arrays.sort(fids);
        for (int i = 1; i < fids.length; i++) {
            if (fids[i] == fids[i - 1]) {
                return null;
            }
        }
        return fids;
    }

    /**
     * The FCP of a listed file {@code dir/fid}; null when the card does not find it, which means its LIST FILES
     * answer was no list of the DF's files: it is not asked again, and the caller probes.
     */
    private Fcp describe(List<Integer> dir, int fid, String what) {
        List<Integer> path = CardPath.child(dir, fid);
        Apdu.Response response = selector.select(path, true);
        selectionMoved = true;
        if (response.sw() == StatusWords.FILE_NOT_FOUND) {
            listCommand = false;
            return null;
        }
        return fcpOf(response, path, what);
    }

    /**
     * Whether {@code dir/fid} exists: a SELECT by path with the FCP, which is returned; null when there is no such
     * file (and for the identifiers never tried: 3F00, 3FFF). Checks the thread's interrupt first.
     */
    private Fcp probe(List<Integer> dir, int fid, String what) {
        checkInterrupt(what);
        if (fid == CardPath.MF || fid == 0x3FFF) {
            return null;
        }
        List<Integer> path = CardPath.child(dir, fid);
        Apdu.Response response = selector.select(path, true);
        int sw = response.sw();
        if (sw == StatusWords.FILE_NOT_FOUND) {
            return null;
        }
        if (sw == StatusWords.INCORRECT_P1_P2 || sw == StatusWords.FUNCTION_NOT_SUPPORTED) {
            throw new SCardException(HResult.SCARD_E_UNSUPPORTED_FEATURE, what + ": the card does not select"
                    + " files by identifier (" + StatusWords.describe(sw) + "), which listing without LIST FILES"
                    + " needs");
        }
        selectionMoved = true;
        if (sw != StatusWords.OK && sw != StatusWords.SELECTED_FILE_DEACTIVATED) {
            throw StatusWordErrors.failure(sw, StatusWordErrors.Kind.DIRECTORY, what + String.format(
                    ": trying file identifier %04X", fid));
        }
        return fcpOf(response, path, what);
    }

    /**
     * The file's kind as the contract names it, one of the single-kind {@link FileType} values, or null when the FCP
     * does not tell (an EF of data objects, a proprietary or reserved descriptor).
     */
    static FileType fileType(Fcp fcp) {
        if (fcp.isDf()) {
            return FileType.DIRECTORY_FILE;
        }
        Fcp.Structure structure = fcp.structure();
        if (structure == null) {
            return null;
        }
        return switch (structure) {
            case TRANSPARENT -> FileType.TRANSPARENT_EF;
            case LINEAR_FIXED, LINEAR_FIXED_SIMPLE_TLV -> FileType.FIXED_EF;
            case LINEAR_VARIABLE, LINEAR_VARIABLE_SIMPLE_TLV -> FileType.VARIABLE_EF;
            case CYCLIC, CYCLIC_SIMPLE_TLV -> FileType.CYCLIC_EF;
            default -> null;
        };
    }

    private static Fcp fcpOf(Apdu.Response response, List<Integer> path, String what) {
        if (!response.ok() && response.sw() != StatusWords.SELECTED_FILE_DEACTIVATED) {
            throw StatusWordErrors.failure(response.sw(), StatusWordErrors.Kind.FILE, what + ": selecting "
                    + CardPath.format(path));
        }
        try {
            return Fcp.parse(response.data());
        } catch (IllegalArgumentException e) {
            throw new SCardException(HResult.SCARD_E_UNEXPECTED, what + ": the FCP of " + CardPath.format(path)
                    + " is malformed (" + e.getMessage() + ")");
        }
    }

    /** The data of a SELECT by path from the MF: the identifiers after {@code 3F00}. */
    static byte[] pathData(List<Integer> path) {
        byte[] data = new byte[2 * (path.size() - 1)];
        for (int i = 1; i < path.size(); i++) {
            data[2 * i - 2] = (byte) (path.get(i) >> 8);
            data[2 * i - 1] = (byte) (int) path.get(i);
        }
        return data;
    }
}
