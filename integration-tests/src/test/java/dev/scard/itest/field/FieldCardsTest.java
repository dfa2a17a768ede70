package dev.scard.itest.field;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.GogoShell;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.SampleProfile;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;

/**
 * The shell's file and PIN commands over the card services against the card behaviours found in the field that the
 * simulator's profiles turn on ({@code quirks}, {@code responseDelayMillis}; see impl-simulator/PROFILES.md): one
 * card per behaviour, the sample card's files and PINs with exactly that behaviour (made from the simulator's sample
 * profile at test time), and the two bundled field cards, which combine them. Each card is a fresh one in "Simulated
 * Reader 1" and is driven twice: on the simulator backend in this framework, and on the PC/SC backend through a real
 * pcscd, the card served over vpcd ("Virtual PCD 00 01"). The PC/SC half needs pcscd with the vpcd driver; without it
 * it is skipped, under {@code CI=true} it fails ({@link VpcdRig}).
 *
 * <p>Each run asserts on what the user sees: listings (bounded, and saying they may be incomplete where the card has
 * no LIST FILES), file contents, messages with their status words and codes, and, for the PIN, that
 * {@code scard:verify -c} never costs a try: the retry counter is checked by a second route (wrong PINs up to the
 * last try, then the right one must still be accepted).
 */
public class FieldCardsTest extends OsgiTestSupport {

    private static final String READER = "Simulated Reader 1";
    private static final String PROFILES = "/dev/scard/simulator/profiles/";
    /** The sample profile's ATR and protocol, which a card of one behaviour replaces with its own. */
    private static final String SAMPLE_ATR_AND_PROTOCOL = "\"atr\": \"3B 88 01 53 43 41 52 44 53 49 4D 99\",\n"
            + "  \"protocol\": \"T=1\",";
    /** What {@code scard:ls} adds on a card without LIST FILES. */
    private static final String INCOMPLETE = "The card has no LIST FILES (80 16): only well-known file identifiers";
    /** The most seconds {@code scard:ls} may take on the slow card: at 50 ms an APDU, at most 20 APDUs a second. */
    private static final long SLOW_LS_SECONDS = 15;

    /**
     * A card with field behaviours, and what a user sees of them.
     *
     * @param name the profile's name: a bundled profile's file name, or the behaviour ({@code listFiles=false})
     * @param quirks the {@code quirks} object's fields (JSON) for a card made from the sample profile, or null for a
     *        bundled profile
     * @param listFiles whether the card has LIST FILES
     * @param emptyVerify what the card makes of an empty VERIFY: {@code status}, {@code counts} or {@code refused}
     * @param triesInStatusWord whether a wrong PIN is answered {@code 63Cx}
     * @param recordFiles whether the card creates record files
     * @param pinsKept whether a verified global PIN stays verified across a reset
     * @param fcp whether SELECT answers the file's control parameters (FCP or FCI), so listings show type and size
     * @param delayMillis the card's delay per APDU
     */
    record Card(String name, String quirks, boolean listFiles, String emptyVerify, boolean triesInStatusWord,
            boolean recordFiles, boolean pinsKept, boolean fcp, int delayMillis) {

        /** The sample card with the one behaviour {@code quirk} ({@code "listFiles": false}). */
        static Card sampleWith(String quirk) {
            String name = quirk.replace("\"", "").replace(": ", "=");
            return new Card(name, quirk, !quirk.contains("listFiles"),
                    quirk.contains("\"counts\"") ? "counts" : quirk.contains("\"refused\"") ? "refused" : "status",
                    !quirk.contains("triesInStatusWord"), !quirk.contains("createRecordFiles"),
                    quirk.contains("\"kept\""), !quirk.contains("\"none\""),
                    quirk.contains("responseDelayMillis") ? 50 : 0);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** One card per behaviour, then the bundled field cards. */
    static List<Card> cards() {
        List<Card> cards = new ArrayList<>();
        for (String quirk : new String[] {"\"listFiles\": false", "\"emptyVerify\": \"counts\"",
            "\"emptyVerify\": \"refused\"", "\"triesInStatusWord\": false", "\"strictT0\": true",
            "\"extendedLength\": false", "\"deleteCurrentFile\": false", "\"createRecordFiles\": false",
            "\"selectAnswer\": \"fci\"", "\"selectAnswer\": \"none\"", "\"pinsAfterReset\": \"kept\"",
            "\"responseDelayMillis\": 50"}) {
            cards.add(Card.sampleWith(quirk));
        }
        cards.add(new Card("field-card.json", null, false, "counts", false, false, false, true, 0));
        cards.add(new Card("slow-field-card.json", null, false, "counts", true, true, true, false, 50));
        return cards;
    }

    /** Every card on both backends. */
    static Stream<Arguments> matrix() {
        return cards().stream().flatMap(card -> Stream.of(Arguments.of(card, "simulator"), Arguments.of(card,
                "pcsc")));
    }

    @TempDir
    Path dir;

    private SimulatorControl control;

    @BeforeEach
    void waitForTheCommands() throws Exception {
        for (String function : new String[] {"ls", "verify", "create", "attach"}) {
            awaitCommand("(&(osgi.command.scope=scard)(osgi.command.function=" + function + "))");
        }
        control = awaitService(SimulatorControl.class, null);
    }

    private void awaitCommand(String filter) throws InterruptedException, InvalidSyntaxException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
            if (refs != null && refs.length > 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("no Gogo command service %s within %s", filter, BOUND);
            }
            Thread.sleep(10);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("matrix")
    void fileAndPinCommands(Card card, String backend) throws Exception {
        GogoShell shell = attach(card, backend);

        // ---- browsing: a bounded listing that says when it may be incomplete; a transparent file and records
        long start = System.nanoTime();
        String mf = shell.run("scard:ls");
        long lsMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(mf).startsWith("FileID  Type  Size  Structure\n");
        assertThat(line(mf, "2F00")).contains(card.fcp() ? "linear variable" : "");
        assertThat(line(mf, "2F01")).contains(card.fcp() ? "transparent" : "");
        // without an FCP, one SELECT P1=02 per file tells the DF from the EFs
        assertThat(line(mf, "[5015]")).contains("DF");
        if (card.listFiles()) {
            assertThat(mf).doesNotContain(INCOMPLETE);
        } else {
            assertThat(mf).contains(INCOMPLETE, "and the applications of EF.DIR", "may be incomplete",
                    "scard:find <from> <to>");
        }
        if (card.delayMillis() > 0) {
            // at delayMillis per APDU the time bounds the APDUs: the probing of every identifier took an hour
            assertThat(lsMillis).as("scard:ls of the MF on a card of %d ms per APDU (at most %d APDUs)",
                    card.delayMillis(), SLOW_LS_SECONDS * 1000 / card.delayMillis())
                    .isLessThan(SLOW_LS_SECONDS * 1000);
        }
        assertThat(shell.run("scard:cat 2F01")).startsWith(
                "0000  53 43 61 72 64 20 73 69  6D 75 6C 61 74 6F 72 20  |SCard simulator |\n"
                        + "0010  73 61 6D 70 6C 65 20 63  61 72 64 00 00 00 00 00  |sample card.....|");
        // without an FCP the structure is unknown: READ BINARY, then READ RECORD on 6981
        assertThat(shell.run("scard:cat 2F00")).startsWith("Record 1 (16 bytes)\n"
                + "0000  61 0E 4F 0C A0 00 00 00  63 50 4B 43 53 2D 31 35  |a.O.....cPKCS-15|");

        assertThat(shell.run("scard:cd 5015")).isEqualTo("3F00/5015");
        start = System.nanoTime();
        String app = shell.run("scard:ls");
        lsMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(line(app, "4401")).contains(card.fcp() ? "32768" : "");
        assertThat(line(app, "4402")).contains(card.fcp() ? "transparent" : "");
        if (card.listFiles()) {
            assertThat(line(app, "5131")).contains(card.fcp() ? "5 records of 16 bytes" : "");
            assertThat(app).doesNotContain(INCOMPLETE);
        } else {
            assertThat(app).contains(INCOMPLETE, "may be incomplete").doesNotContain("applications of EF.DIR");
        }
        if (card.delayMillis() > 0) {
            assertThat(lsMillis).as("scard:ls of DF 5015 on a card of %d ms per APDU", card.delayMillis())
                    .isLessThan(SLOW_LS_SECONDS * 1000);
        }
        assertThat(shell.run("scard:cat 5131 2")).isEqualTo("Record 2 (16 bytes)\n"
                + "0000  66 69 78 65 64 20 72 65  63 6F 72 64 20 32 00 00  |fixed record 2..|");
        assertThat(shell.run("scard:cat 5133")).startsWith("Record 1 (19 bytes)\n"
                + "0000  76 61 72 69 61 62 6C 65  20 72 65 63 6F 72 64 20  |variable record |").contains(
                "Record 2 (3 bytes)\n0000  74 77 6F ");
        assertThat(shell.fails("scard:cat 5131 9")).contains("cat 5131 record 9");
        assertThat(shell.fails("scard:cat 4402 2")).as("a transparent file, found out without an FCP too")
                .contains("cat 4402 record 2", card.fcp() ? "not a record file" : "6982");
        assertThat(shell.fails("scard:update 5131 2 " + hex("updated record 2"))).contains("update 5131", "6982");
        if (card.delayMillis() == 0) { // 128 or more APDUs: the time of a slow card is spent on the ls above
            String big = shell.run("scard:cat 4401");
            assertThat(big.split("\n")).hasSize(2048);
            assertThat(big).endsWith("7FF0  F0 F1 F2 F3 F4 F5 F6 F7  F8 F9 FA FB FC FD FE FF  |................|");
        }
        assertThat(shell.fails("scard:cat 4499")).contains("cat 4499", "SCARD_E_FILE_NOT_FOUND");
        assertThat(shell.fails("scard:cat 4402")).contains("cat 4402", "6982", "SCARD_E_NO_ACCESS");

        // ---- PIN state without spending a try; wrong PINs then the right one prove the counter
        String check = shell.fails("scard:verify -c 1");
        assertThat(check).contains("verify -c 1", "cannot be asked without risking a try", "--force",
                "SCARD_E_UNSUPPORTED_FEATURE");
        String wrong = shell.fails("scard:verify 1 9999");
        assertThat(wrong).contains("verify PIN 1", "wrong PIN", "SCARD_W_WRONG_CHV").doesNotContain("9999",
                "39393939", "39 39 39 39");
        if (card.triesInStatusWord()) {
            assertThat(wrong).contains("2 tries left", "63C2");
        } else {
            assertThat(wrong).doesNotContain("tries left", "63C");
        }
        assertThat(shell.fails("scard:verify -c 1")).as("verify -c after a wrong PIN").contains(
                "cannot be asked without risking a try", "SCARD_E_UNSUPPORTED_FEATURE");
        wrong = shell.fails("scard:verify 1 9998");
        assertThat(wrong).contains("wrong PIN", "SCARD_W_WRONG_CHV");
        if (card.triesInStatusWord()) {
            assertThat(wrong).as("the second wrong PIN: neither -c counted").contains("1 try left", "63C1");
        }
        // had any -c cost a try, the counter would be 0 now and the right PIN refused as blocked (6983)
        assertThat(shell.run("scard:verify 1 1234")).isEqualTo("PIN 1 verified");
        assertThat(shell.run("scard:cat 4402")).startsWith(
                "0000  72 65 61 64 20 61 6E 64  20 75 70 64 61 74 65 20  |read and update |");

        // ---- updates after the PIN: a transparent file and a record
        assertThat(shell.run("scard:update 4402 0x1C 4F:4B")).isEqualTo("Wrote 2 bytes to 4402 at offset 28");
        assertThat(shell.run("scard:cat 4402")).endsWith(
                "0010  61 66 74 65 72 20 50 49  4E 20 30 31 4F 4B 00 00  |after PIN 01OK..|");
        assertThat(shell.run("scard:update 5131 2 " + hex("updated record 2"))).isEqualTo(
                "Wrote record 2 of 5131 (16 bytes)");
        assertThat(shell.run("scard:cat 5131 2")).endsWith("|updated record 2|");
        assertThat(shell.fails("scard:cat 4402 2")).as("a transparent file, found out without an FCP too")
                .contains("cat 4402 record 2", "not a record file");
        assertThat(shell.fails("scard:update 4402 31 0102")).contains("update 4402", "SCARD_E_WRITE_TOO_MANY");

        // ---- create and remove: DELETE FILE names its file (a card that wants it so deletes nothing else)
        assertThat(shell.run("scard:create 4405 transparent 32")).isEqualTo(
                "Created 4405 in 3F00/5015 (transparent, 32 bytes)");
        assertThat(shell.run("scard:update 4405 4 CA FE")).isEqualTo("Wrote 2 bytes to 4405 at offset 4");
        assertThat(shell.run("scard:cat 4405")).startsWith("0000  00 00 00 00 CA FE 00 00");
        if (card.recordFiles()) {
            assertThat(shell.run("scard:create -n 3 4406 linear-fixed 4")).isEqualTo(
                    "Created 4406 in 3F00/5015 (linear fixed, 3 records of 4 bytes)");
            assertThat(shell.run("scard:update 4406 2 01020304")).isEqualTo("Wrote record 2 of 4406 (4 bytes)");
            assertThat(shell.run("scard:cat 4406 2")).isEqualTo("Record 2 (4 bytes)\n"
                    + "0000  01 02 03 04                                       |....|");
            assertThat(shell.run("scard:rm 4406")).isEqualTo("Deleted 4406");
        } else {
            assertThat(shell.fails("scard:create -n 3 4406 linear-fixed 4")).contains("create 4406", "6A81");
        }
        assertThat(shell.fails("scard:cat 4406")).contains("cat 4406", "SCARD_E_FILE_NOT_FOUND");
        assertThat(shell.run("scard:rm 4405")).isEqualTo("Deleted 4405");
        assertThat(shell.fails("scard:cat 4405")).contains("cat 4405", "SCARD_E_FILE_NOT_FOUND");
        assertThat(shell.fails("scard:rm 4405")).contains("rm 4405", "SCARD_E_FILE_NOT_FOUND");
        // nothing else went: the DF, its files and the MF's files are there
        assertThat(shell.run("scard:pwd")).isEqualTo("3F00/5015");
        assertThat(shell.run("scard:cat 4404")).startsWith("0000  61 75 74 68 20 6B 65 79");
        assertThat(shell.run("scard:cat 3F00/2F01")).startsWith("0000  53 43 61 72 64");

        // ---- change the PIN; the old one is wrong now
        assertThat(shell.run("scard:change 1 1234 4321")).isEqualTo("PIN 1 changed");
        assertThat(shell.fails("scard:verify 1 1234")).contains("wrong PIN", "SCARD_W_WRONG_CHV")
                .doesNotContain("1234");
        assertThat(shell.run("scard:verify 1 4321")).isEqualTo("PIN 1 verified");

        // ---- a reset: the verified PIN is lost, or kept by a card that keeps its RAM
        assertThat(shell.run("scard:reconnect reset")).startsWith("Reconnected to '" + readerName(backend) + "'");
        if (card.pinsKept()) {
            assertThat(shell.run("scard:cat 3F00/5015/4402")).startsWith("0000  72 65 61 64");
        } else {
            assertThat(shell.fails("scard:cat 3F00/5015/4402")).contains("cat 3F00/5015/4402", "6982",
                    "SCARD_E_NO_ACCESS");
            assertThat(shell.run("scard:verify 1 4321")).isEqualTo("PIN 1 verified");
            assertThat(shell.run("scard:cat 3F00/5015/4402")).startsWith("0000  72 65 61 64");
        }

        // ---- the forced check asks the card whatever it costs: a card that counts the query loses a try to it
        switch (card.emptyVerify()) {
            case "status" -> {
                assertThat(shell.run("scard:verify -c --force 1")).isEqualTo("PIN 1 is verified");
                // the card answered the query as ISO 7816-4 says: -c asks it from now on
                assertThat(shell.run("scard:verify -c 1")).isEqualTo("PIN 1 is verified");
                assertThat(shell.run("scard:cat 3F00/5015/4402")).startsWith("0000  72 65 61 64");
            }
            case "counts" -> {
                assertThat(shell.run("scard:verify -c --force 1")).isEqualTo("PIN 1 is not verified (the card gave"
                        + " no retry counter; it may have counted this query as a wrong PIN)");
                assertThat(shell.fails("scard:verify -c 1")).contains("cannot be asked without risking a try");
                // it did: the PIN is no longer verified, and a try is gone
                assertThat(shell.fails("scard:cat 3F00/5015/4402")).contains("6982", "SCARD_E_NO_ACCESS");
                String wrongAgain = shell.fails("scard:verify 1 9999");
                assertThat(wrongAgain).contains("wrong PIN", "SCARD_W_WRONG_CHV");
                if (card.triesInStatusWord()) {
                    assertThat(wrongAgain).contains("1 try left", "63C1");
                }
                assertThat(shell.run("scard:verify 1 4321")).isEqualTo("PIN 1 verified");
            }
            default -> {
                assertThat(shell.fails("scard:verify -c --force 1")).contains("verify -c --force 1",
                        "the card does not answer the status query", "SW 6700", "SCARD_E_UNSUPPORTED_FEATURE");
                assertThat(shell.run("scard:cat 3F00/5015/4402")).as("a refused query counts nothing")
                        .startsWith("0000  72 65 61 64");
            }
        }
    }

    /**
     * Puts a fresh card made from the profile into {@value #READER} and attaches a shell to it on the backend: on
     * {@code pcsc} through pcscd, where vpcd shows it in {@value VpcdRig#EMPTY_READER}. After the test the reader is
     * empty again and would get a sample card on {@code insert}.
     */
    private GogoShell attach(Card card, String backend) throws Exception {
        SCardResourceManager pcsc = null;
        if (backend.equals("pcsc")) {
            VpcdRig.require("the field cards through pcscd");
            pcsc = awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
            VpcdRig.requireServing("the field cards through pcscd", control, pcsc);
        }
        Path profile = profile(card, backend);
        Path sample = SampleProfile.copy(bundle(SampleProfile.SIMULATOR_BUNDLE));
        // pcscd powers up (resets) a card inserted into a served reader, whichever backend the test uses: with the
        // reader served, each change is awaited until pcscd shows it, so that no reset comes in the test's midst
        SCardResourceManager watching = !VpcdRig.served(control) ? null
                : pcsc != null ? pcsc : awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
        onCleanup(() -> {
            if (control.isCardPresent(READER)) {
                control.remove(READER);
            }
            control.insertProfile(READER, sample); // what a later insert() puts back: a sample card
            control.remove(READER);
            if (watching != null) {
                VpcdRig.awaitPcscd(watching, VpcdRig.EMPTY_READER, false);
            }
        });
        if (control.isCardPresent(READER)) {
            control.remove(READER);
            if (watching != null) {
                VpcdRig.awaitPcscd(watching, VpcdRig.EMPTY_READER, false);
            }
        }
        control.insertProfile(READER, profile);
        if (watching != null) {
            VpcdRig.awaitPcscd(watching, VpcdRig.EMPTY_READER, true);
        }
        GogoShell shell = new GogoShell(awaitService(CommandProcessor.class, null));
        onCleanup(shell::close);
        String reader = readerName(backend);
        assertThat(shell.run("scard:attach -b " + backend + " \"" + reader + "\"")).contains(reader);
        return shell;
    }

    /** The card's reader as the backend names it. */
    private static String readerName(String backend) {
        return backend.equals("pcsc") ? VpcdRig.EMPTY_READER : READER;
    }

    /** The card's profile as a file: a bundled one, or the sample profile with the card's one behaviour. */
    private Path profile(Card card, String backend) throws IOException {
        Path file = dir.resolve(card.name().replaceAll("[^A-Za-z0-9.=-]", "_") + (card.quirks() == null ? ""
                : ".json"));
        if (card.quirks() == null) {
            copy(card.name(), file);
            return file;
        }
        copy("sample-card.json", file);
        String sample = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(sample).as("the sample profile's ATR and protocol").contains(SAMPLE_ATR_AND_PROTOCOL);
        String behaviour;
        if (card.quirks().contains("responseDelayMillis")) {
            behaviour = card.quirks() + ",";
        } else {
            behaviour = "\"quirks\": {" + card.quirks() + "},";
        }
        // each card and backend its own ATR ("QUIRK" and a number): what the card services learn of a card model
        // (its ATR), such as whether it answers the PIN status query, is not carried from one run to the next
        int number = 2 * cards().indexOf(card) + (backend.equals("pcsc") ? 1 : 0);
        boolean t0 = card.quirks().contains("strictT0");
        String atr = atr(t0, "QUIRK-" + String.format(Locale.ROOT, "%02d", number));
        String head = "\"atr\": \"" + atr + "\",\n  \"protocol\": \"" + (t0 ? "T=0" : "T=1") + "\",\n  " + behaviour;
        Files.writeString(file, sample.replace(SAMPLE_ATR_AND_PROTOCOL, head), StandardCharsets.UTF_8);
        return file;
    }

    /** An ATR with 8 historical bytes: T=0 only ({@code 3B 08}), or T=1 ({@code 3B 88 01}) with its check byte. */
    static String atr(boolean t0, String historical) {
        byte[] text = historical.getBytes(StandardCharsets.US_ASCII);
        assertThat(text).hasSize(8);
        StringBuilder atr = new StringBuilder(t0 ? "3B 08" : "3B 88 01");
        int check = t0 ? 0 : 0x88 ^ 0x01;
        for (byte b : text) {
            atr.append(String.format(Locale.ROOT, " %02X", b));
            check ^= b;
        }
        return t0 ? atr.toString() : atr.append(String.format(Locale.ROOT, " %02X", check & 0xFF)).toString();
    }

    private void copy(String name, Path file) throws IOException {
        URL entry = bundle(SampleProfile.SIMULATOR_BUNDLE).getEntry(PROFILES + name);
        assertThat(entry).as("profile %s in %s", name, SampleProfile.SIMULATOR_BUNDLE).isNotNull();
        try (InputStream in = entry.openStream()) {
            Files.copy(in, file);
        }
    }

    private static String hex(String text) {
        StringBuilder hex = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
            hex.append(String.format(Locale.ROOT, "%02X", b));
        }
        return hex.toString();
    }

    /** The line of a listing that starts with the file ID. */
    private static String line(String listing, String id) {
        for (String l : listing.split("\n")) {
            if (l.startsWith(id + " ")) {
                return l;
            }
        }
        return fail("no line for %s in:%n%s", id, listing);
    }
}
