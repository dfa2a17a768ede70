package dev.scard.simulator.internal.card;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.scard.iso7816.BerTlv;
import dev.scard.iso7816.CommandApdu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded randomized commands against the sample card (under T=1 and T=0) and the bundled field card (strict T=0 and
 * every other field behaviour of {@code field-card.json}): random bytes, mutations of real commands, and valid-looking
 * commands built around every instruction (with right and wrong PINs, right and wrong cryptograms, random FCPs,
 * and the proprietary LIST FILES, {@code 80 16}, in its class and out of it).
 * After each command: the card did not throw, answered at least a status word from the ISO set (never
 * {@code 6F00}), did not change the command, kept its invariants ({@link IsoCard#checkInvariants()}), and changed
 * files only through a successful command that may change them, and only the file that command names; PIN state
 * changes only through VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (or a DELETE of the PIN's DF); data read
 * is the file's data; data written is in the file afterwards; LIST FILES lists the current DF's files in identifier
 * order.
 */
class IsoCardRandomizedTest extends CardTestSupport {

    private static final int COMMANDS = 6_000;
    private static final Set<Integer> UPDATES = Set.of(0xD6, 0xD7, 0xD0, 0xD1, 0xDC, 0xE2);
    private static final Set<Integer> FILE_CHANGERS = Set.of(0xD6, 0xD7, 0xD0, 0xD1, 0xDC, 0xE2, 0xE0, 0xE4, 0x04,
            0x44);
    private static final Set<Integer> PIN_CHANGERS = Set.of(0x20, 0x24, 0x2C);
    private static final Set<Integer> ERRORS = Set.of(0x6300, 0x6700, 0x6881, 0x6882, 0x6884, 0x6981, 0x6982, 0x6983,
            0x6985, 0x6986, 0x6A80, 0x6A81, 0x6A82, 0x6A83, 0x6A84, 0x6A86, 0x6A88, 0x6A89, 0x6A8A, 0x6B00, 0x6D00,
            0x6E00);

    /** The instructions that succeeded in any run. */
    private static final Set<Integer> SUCCEEDED = new HashSet<>();

    private Random random;
    private Generator generator;
    private final Map<Integer, Integer> swCounts = new HashMap<>();

    @ParameterizedTest(name = "seed {0}, {1}")
    @CsvSource({"20261121, T=1", "7, T=1", "424242, T=1", "99, T=0", "31337, field"})
    void everyAnswerIsAStatusWordAndTheStateStaysConsistent(long seed, String protocol) throws IOException {
        random = new Random(seed);
        CardProfile profile = profile(protocol);
        generator = new Generator(random);
        for (int i = 0; i < COMMANDS; i++) {
            if (i % 2000 == 0) { // a fresh card now and then: random deletions would otherwise empty the tree
                card = profile.newIsoCard(new Random(seed + i));
            } else if (random.nextInt(400) == 0) {
                card.reset();
            }
            byte[] command = generator.next();
            String label = "command #" + i + " (seed " + seed + "): " + HEX.formatHex(command);
            exchange(command, label, !protocol.equals("T=1"));
        }
        // The generator reaches deep: a good share of commands succeed, and many kinds of error were seen.
        int announced = swCounts.entrySet().stream().filter(e -> (e.getKey() & 0xFF00) == 0x6100)
                .mapToInt(Map.Entry::getValue).sum();
        assertThat(swCounts.get(0x9000) + announced).as("successful commands (9000, 61xx) of %d", COMMANDS)
                .isGreaterThan(COMMANDS / 12);
        if (protocol.equals("field")) {
            // the field card (bundled field-card.json): no 63Cx, no 6282 (6Cxx instead), no LIST FILES, 6A81
            assertThat(swCounts.keySet()).contains(0x6300, 0x6700, 0x6981, 0x6982, 0x6983, 0x6985, 0x6A82, 0x6A86,
                    0x6D00, 0x6E00).doesNotContain(0x6282, 0x63C2, 0x63C1);
            assertThat(swCounts.keySet()).anyMatch(sw -> (sw & 0xFF00) == 0x6C00);
            assertThat(swCounts.keySet()).anyMatch(sw -> (sw & 0xFF00) == 0x6100);
            assertThat(generator.succeeded).contains(0xA4, 0xB0, 0xB1, 0xD6, 0x20, 0x84, 0x88, 0xC0, 0xE0)
                    .doesNotContain(0x16);
            return;
        }
        assertThat(swCounts.keySet()).contains(0x6282, 0x6283, 0x63C2, 0x6700, 0x6981, 0x6982, 0x6983, 0x6985,
                0x6986, 0x6A82, 0x6A86, 0x6A88, 0x6B00, 0x6D00, 0x6E00);
        assertThat(generator.succeeded).contains(0xA4, 0xB0, 0xB1, 0xB2, 0xE0, 0x20, 0x84, 0x88, 0x16);
        SUCCEEDED.addAll(generator.succeeded);
    }

    /** Over all seeds, every instruction of the card succeeded at least once. */
    @AfterAll
    static void everyInstructionWasReached() {
        assertThat(SUCCEEDED).contains(0xA4, 0xB0, 0xB1, 0xD6, 0xD7, 0xD0, 0xD1, 0xB2, 0xDC, 0xE2, 0xE0, 0xE4, 0x04,
                0x44, 0x20, 0x24, 0x2C, 0x84, 0x88, 0x82, 0xC0, 0x16);
    }

    private static CardProfile profile(String protocol) throws IOException {
        if (protocol.equals("T=1")) {
            return CardProfile.sample();
        }
        if (protocol.equals("field")) {
            return CardProfile.parse(CardProfile.bundledBytes("field-card.json"), "field-card.json");
        }
        try (InputStream in = CardProfile.class.getResourceAsStream(CardProfile.SAMPLE_RESOURCE)) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return CardProfile.parse(json.replace("\"protocol\": \"T=1\"", "\"protocol\": \"T=0\""), "t0");
        }
    }

    private void exchange(byte[] command, String label, boolean t0) {
        byte[] copy = command.clone();
        Map<String, Integer> filesBefore = card.fileFingerprints();
        Map<String, Integer> pinsBefore = card.pinFingerprints();
        byte[] response = card.process(command);
        assertThat(command).as("unchanged: %s", label).isEqualTo(copy);
        assertThat(response).as(label).isNotNull();
        assertThat(response.length).as(label).isGreaterThanOrEqualTo(2);
        int sw = ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
        swCounts.merge(sw, 1, Integer::sum);
        boolean bytesRemaining = (sw & 0xFF00) == 0x6100;
        assertThat(bytesRemaining && !t0).as("61xx only under T=0: %s", label).isFalse();
        // 61xx comes alone, or with data from GET RESPONSE when more is left
        boolean success = sw == 0x9000 || sw == 0x6282 || sw == 0x6283 || bytesRemaining;
        if (!success) {
            assertThat(response).as("an error has no data: %s", label).hasSize(2);
            boolean known = ERRORS.contains(sw) || (sw & 0xFFF0) == 0x63C0 || (sw & 0xFF00) == 0x6C00;
            assertThat(known).as("SW %04X for %s", sw, label).isTrue();
        } else if (bytesRemaining && response.length > 2) {
            assertThat(command[1] & 0xFF).as("data with 61xx: %s", label).isEqualTo(0xC0);
        }
        try {
            card.checkInvariants();
        } catch (IllegalStateException e) {
            throw new AssertionError(label + ": " + e.getMessage(), e);
        }
        int ins = command.length >= 2 ? command[1] & 0xFF : -1;
        if (success && command.length >= 4) {
            generator.succeeded.add(ins);
        }
        checkFiles(filesBefore, card.fileFingerprints(), ins, sw, label);
        if (!pinsBefore.equals(card.pinFingerprints())) {
            boolean deleted = ins == 0xE4 && sw == 0x9000 && pinsBefore.keySet().containsAll(
                    card.pinFingerprints().keySet());
            assertThat(PIN_CHANGERS.contains(ins) || deleted).as("PIN state changed by %s", label).isTrue();
        }
        if (sw == 0x9000 && command.length >= 4) {
            checkData(command, response, ins, label);
        }
        if (ins == 0x84 && sw == 0x9000) {
            generator.challenge = Arrays.copyOf(response, response.length - 2);
        }
        generator.bytesRemaining = bytesRemaining ? sw & 0xFF : -1;
    }

    private void checkFiles(Map<String, Integer> before, Map<String, Integer> after, int ins, int sw, String label) {
        if (before.equals(after)) {
            return;
        }
        assertThat(sw).as("files changed, so the command succeeded: %s", label).isEqualTo(0x9000);
        assertThat(FILE_CHANGERS).as("files changed by %s", label).contains(ins);
        Set<String> changed = new HashSet<>();
        for (String path : before.keySet()) {
            if (!before.get(path).equals(after.get(path))) {
                changed.add(path);
            }
        }
        Set<String> added = new HashSet<>(after.keySet());
        added.removeAll(before.keySet());
        CardFile current = card.currentEf() != null ? card.currentEf() : card.currentDf();
        switch (ins) {
            case 0xE0 -> {
                assertThat(added).as(label).containsExactly(current.path());
                assertThat(changed).as(label).containsExactly(current.parent.path());
            }
            case 0xE4 -> {
                assertThat(added).as(label).isEmpty();
                String root = changed.stream().filter(p -> !after.containsKey(p)).min((a, b) -> a.length()
                        - b.length()).orElseThrow();
                String parent = root.substring(0, root.lastIndexOf('/'));
                for (String path : changed) {
                    assertThat(path.equals(parent) || path.startsWith(root)).as("%s changed by %s", path, label)
                            .isTrue();
                }
            }
            default -> { // updates and life cycle: only the file the command named, now the current one
                assertThat(added).as(label).isEmpty();
                assertThat(changed).as(label).containsExactly(current.path());
                if (UPDATES.contains(ins)) {
                    assertThat(current).as(label).isInstanceOf(ElementaryFile.class);
                }
            }
        }
    }

    /** Reads return the file's bytes; plain and odd UPDATE BINARY leave their data in the file. */
    private void checkData(byte[] command, byte[] response, int ins, String label) {
        ElementaryFile ef = card.currentEf();
        CommandApdu apdu;
        try {
            apdu = CommandApdu.parse(command);
        } catch (IllegalArgumentException e) {
            throw new AssertionError("a successful command is well formed: " + label, e);
        }
        if (ins == 0x16) { // only LIST FILES in class 80 succeeds; 00 16 is an unknown instruction
            assertThat(command[0] & 0xFF).as(label).isEqualTo(0x80);
            byte[] data = Arrays.copyOf(response, response.length - 2);
            int[] expected = card.currentDf().children.stream().mapToInt(f -> f.fid).sorted().toArray();
            byte[] list = new byte[2 * expected.length];
            for (int i = 0; i < expected.length; i++) {
                list[2 * i] = (byte) (expected[i] >> 8);
                list[2 * i + 1] = (byte) expected[i];
            }
            assertThat(data).as("the current DF's files: %s", label).isEqualTo(list);
        }
        if (ins == 0xB0 && ef != null) {
            int offset = (apdu.p1() & 0x80) != 0 ? apdu.p2() : apdu.p1p2();
            byte[] data = Arrays.copyOf(response, response.length - 2);
            assertThat(data).as(label).isEqualTo(Arrays.copyOfRange(ef.data, offset, offset + data.length));
        }
        if (ins == 0xD6 && ef != null) {
            int offset = (apdu.p1() & 0x80) != 0 ? apdu.p2() : apdu.p1p2();
            assertThat(Arrays.copyOfRange(ef.data, offset, offset + apdu.nc())).as(label).isEqualTo(apdu.dataCopy());
        }
        if (ins == 0xD7 && ef != null) {
            byte[] data = apdu.dataCopy();
            List<BerTlv.DataObject> items;
            try {
                items = BerTlv.parse(data);
            } catch (IllegalArgumentException e) {
                throw new AssertionError("a successful D7 has well-formed data: " + label, e);
            }
            int offset = (int) items.get(0).number(data);
            byte[] written = Arrays.copyOfRange(data, items.get(1).offset(), items.get(1).offset()
                    + items.get(1).length());
            assertThat(Arrays.copyOfRange(ef.data, offset, offset + written.length)).as(label).isEqualTo(written);
        }
    }

    /** Builds commands: random, mutated, and valid-looking ones around every instruction of the card. */
    static final class Generator {
        private static final int[] FIDS = {0x3F00, 0x2F00, 0x2F01, 0x5015, 0x4401, 0x4402, 0x4403, 0x4404, 0x5131,
            0x5132, 0x5133, 0x6000, 0x6001, 0x6002, 0x4405, 0x0000, 0xFFFF};
        /** The instructions, some more than once (SELECT and VERIFY often: they open the way to the others). */
        private static final int[] INS = {0xA4, 0xA4, 0xA4, 0xA4, 0xA4, 0xA4, 0xB0, 0xB0, 0xB0, 0xB1, 0xB1, 0xD6,
            0xD6, 0xD6, 0xD7, 0xD7, 0xD0, 0xD1, 0xB2, 0xB2, 0xB2, 0xDC, 0xDC, 0xE2, 0xE2, 0xE0, 0xE0, 0xE4, 0x04,
            0x44, 0x20, 0x20, 0x20, 0x24, 0x2C, 0x84, 0x84, 0x88, 0x82, 0x82, 0xC0, 0x70, 0xCA, 0x16};
        /** Paths from the MF of the sample's files and of files the generator creates. */
        private static final String[] PATHS = {"2F00", "2F01", "5015", "50154401", "50154402", "50154403",
            "50154404", "50155131", "50155132", "50155133", "6000", "50156000", "50156001", "501560006001"};
        private static final List<String> PINS = List.of("31323334", "30303030", "39393939", "3132333435");
        private static final List<String> PUKS = List.of("3132333435363738", "3030303030303030", "3131313131313131");

        private final Random random;
        final Set<Integer> succeeded = new HashSet<>();
        byte[] challenge;
        /** After {@code 61xx}: xx, which a host would fetch with GET RESPONSE; else -1. */
        int bytesRemaining = -1;
        private byte[] last = HEX.parseHex("00A40000023F00");

        Generator(Random random) {
            this.random = random;
        }

        byte[] next() {
            if (bytesRemaining >= 0 && random.nextInt(4) > 0) {
                int le = random.nextBoolean() ? bytesRemaining : random.nextInt(256);
                return HEX.parseHex(String.format("00C00000%02X", le));
            }
            int kind = random.nextInt(20);
            byte[] command;
            if (kind == 0) {
                command = new byte[random.nextInt(12) == 0 ? random.nextInt(70_000) : random.nextInt(40)];
                random.nextBytes(command);
            } else if (kind <= 3) {
                command = mutate(last);
            } else {
                command = valid();
                last = command;
            }
            return command;
        }

        private byte[] mutate(byte[] base) {
            byte[] command = base.clone();
            switch (random.nextInt(6)) {
                case 0 -> {
                    if (command.length > 0) {
                        command[random.nextInt(command.length)] = (byte) random.nextInt(256);
                    }
                }
                case 1 -> command = Arrays.copyOf(command, random.nextInt(command.length + 1));
                case 2 -> command = Arrays.copyOf(command, command.length + 1 + random.nextInt(4));
                case 3 -> {
                    if (command.length > 4) {
                        command[4] = (byte) random.nextInt(256); // Lc or Le
                    }
                }
                case 4 -> command[0] = (byte) new int[] {0x00, 0x01, 0x0C, 0x10, 0x40, 0x80, 0xFF}[random.nextInt(7)];
                default -> {
                    if (command.length > 3) {
                        command[2 + random.nextInt(2)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
            }
            return command;
        }

        private byte[] valid() {
            int ins = INS[random.nextInt(INS.length)];
            return switch (ins) {
                case 0xA4 -> select();
                case 0xB0 -> build(ins, offsetP1(), offsetP2(), null, le());
                case 0xB1 -> build(ins, oddP1(), oddP2(), offsetDo(), le());
                case 0xD6, 0xD0 -> build(ins, offsetP1(), offsetP2(), bytes(dataLength()), noLe());
                case 0xD7, 0xD1 -> build(ins, oddP1(), oddP2(), concat(offsetDo(), dataDo()), noLe());
                case 0xB2 -> build(ins, random.nextInt(random.nextInt(10) == 0 ? 256 : 7), recordP2(), null, le());
                case 0xDC, 0xE2 -> build(ins, ins == 0xE2 ? 0 : random.nextInt(7), ins == 0xE2 && random.nextBoolean()
                        ? recordP2() & 0xF8 : recordP2(), bytes(recordLength()), noLe());
                case 0xE0 -> build(ins, 0, 0, random.nextInt(5) == 0 ? mutate(fcp()) : fcp(), noLe());
                case 0xE4, 0x04, 0x44 -> build(ins, random.nextInt(4) == 0 ? 0x08 : 0x00,
                        random.nextInt(8) == 0 ? 1 : 0, random.nextInt(4) == 0 ? null : fid(), noLe());
                case 0x20 -> build(ins, random.nextInt(10) == 0 ? 0xFF : 0, pinRef(), random.nextInt(5) == 0 ? null
                        : HEX.parseHex(random.nextBoolean() ? PINS.get(0) : pick(PINS)), noLe());
                case 0x24 -> build(ins, random.nextInt(4) == 0 ? 1 : 0, pinRef(), HEX.parseHex(pick(PINS)
                        + (random.nextBoolean() ? pick(PINS) : "")), noLe());
                case 0x2C -> build(ins, random.nextInt(3) == 0 ? 1 : 0, pinRef(), HEX.parseHex(pick(PUKS)
                        + (random.nextBoolean() ? pick(PINS) : "")), noLe());
                case 0x84 -> build(ins, 0, 0, null, random.nextBoolean() ? 16 : 1 + random.nextInt(300));
                case 0x88 -> build(ins, 0, keyRef(), bytes(random.nextInt(8) == 0 ? 15 : 16), le());
                case 0x82 -> build(ins, 0, keyRef(), challenge != null && challenge.length == 16
                        && random.nextInt(3) > 0 ? HEX.parseHex(aes(KEY_01, HEX.formatHex(challenge))) : bytes(16),
                        noLe());
                case 0x16 -> listFiles();
                default -> build(ins, random.nextInt(256), random.nextInt(256), random.nextBoolean() ? null
                        : bytes(1 + random.nextInt(8)), le());
            };
        }

        /** LIST FILES, mostly well formed and in class 80, sometimes with other P1-P2, data or class 00. */
        private byte[] listFiles() {
            byte[] command = build(0x16, random.nextInt(6) == 0 ? random.nextInt(256) : 0, random.nextInt(6) == 0
                    ? random.nextInt(256) : 0, random.nextInt(8) == 0 ? bytes(1 + random.nextInt(4)) : null,
                    random.nextInt(4) == 0 ? le() : random.nextBoolean() ? 256 : 65536);
            command[0] = (byte) (random.nextInt(8) == 0 ? 0x00 : 0x80);
            return command;
        }

        private byte[] select() {
            if (random.nextInt(5) < 3) { // a known file by its path: most commands then have something to work on
                return build(0xA4, 0x08, random.nextInt(4) == 0 ? 0x00 : 0x0C,
                        HEX.parseHex(PATHS[random.nextInt(PATHS.length)]), noLe());
            }
            int p1 = new int[] {0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x08, 0x09, 0x05}[random.nextInt(10)];
            int p2 = new int[] {0x00, 0x04, 0x0C, 0x0C, 0x02}[random.nextInt(5)];
            byte[] data = switch (p1) {
                case 0x03 -> null;
                case 0x04 -> random.nextBoolean() ? HEX.parseHex(AID_5015) : bytes(1 + random.nextInt(17));
                case 0x08, 0x09 -> concat(random.nextBoolean() ? fid() : new byte[0], fid());
                default -> random.nextInt(10) == 0 ? null : fid();
            };
            return build(0xA4, p1, p2, data, p2 == 0x0C ? noLe() : le());
        }

        private int offsetP1() {
            return random.nextInt(4) == 0 ? 0x80 | new int[] {0x11, 0x01, 0x02, 0x1F, 0x00}[random.nextInt(5)]
                    : random.nextInt(3) == 0 ? random.nextInt(0x80) : 0;
        }

        private int offsetP2() {
            return random.nextInt(4) == 0 ? random.nextInt(256) : random.nextInt(48);
        }

        private int oddP1() {
            return random.nextInt(4) == 0 ? FIDS[random.nextInt(FIDS.length)] >> 8 : 0;
        }

        private int oddP2() {
            return random.nextInt(4) == 0 ? FIDS[random.nextInt(FIDS.length)] & 0xFF : random.nextInt(4) == 0
                    ? random.nextInt(0x20) : 0;
        }

        private byte[] offsetDo() {
            int offset = random.nextInt(4) > 0 ? random.nextInt(70) : random.nextInt(0x9000);
            int length = offset < 0x100 && random.nextBoolean() ? 1 : 2;
            byte[] value = length == 1 ? new byte[] {(byte) offset} : new byte[] {(byte) (offset >> 8), (byte) offset};
            return concat(new byte[] {0x54, (byte) length}, value);
        }

        private byte[] dataDo() {
            int length = dataLength();
            byte[] header = length < 0x80 ? new byte[] {0x53, (byte) length}
                    : length < 0x100 ? new byte[] {0x53, (byte) 0x81, (byte) length}
                    : new byte[] {0x53, (byte) 0x82, (byte) (length >> 8), (byte) length};
            return concat(header, bytes(length));
        }

        private int dataLength() {
            return random.nextInt(10) == 0 ? 1 + random.nextInt(3000) : 1 + random.nextInt(40);
        }

        private int recordP2() {
            int sfi = new int[] {0, 0, 0, 0x11, 0x02, 0x1F}[random.nextInt(6)];
            return (sfi << 3) | (random.nextBoolean() ? 4 : random.nextInt(random.nextInt(3) == 0 ? 8 : 5));
        }

        private int recordLength() {
            return new int[] {16, 8, 8, 1 + random.nextInt(40), 3, 32}[random.nextInt(6)];
        }

        private byte[] fcp() {
            int type = random.nextInt(5);
            StringBuilder body = new StringBuilder();
            body.append(switch (type) {
                case 0 -> "820138";
                case 1 -> "820101";
                case 2 -> "8205024100" + String.format("%02X%02X", 1 + random.nextInt(20), 1 + random.nextInt(5));
                case 3 -> "8205044100" + String.format("%02X%02X", 1 + random.nextInt(30), 1 + random.nextInt(5));
                default -> "8205064100" + String.format("%02X%02X", 1 + random.nextInt(10), 1 + random.nextInt(4));
            });
            body.append(String.format("8302%04X", 0x6000 + random.nextInt(4)));
            if (type == 1) {
                body.append(String.format("8002%04X", random.nextInt(8) == 0 ? 0xFFFF : 1 + random.nextInt(300)));
            }
            if (type == 0 && random.nextBoolean()) {
                body.append("8402A0").append(String.format("%02X", random.nextInt(3)));
            }
            if (type != 0 && random.nextInt(3) == 0) {
                body.append(String.format("8801%02X", (1 + random.nextInt(3)) << 3));
            }
            if (random.nextInt(4) == 0) {
                body.append(random.nextBoolean() ? "8A0104" : "8A0105");
            }
            if (random.nextBoolean()) {
                String[] conditions = {"00", "FF", "0101", "0181", "0201", "0102"};
                StringBuilder rules = new StringBuilder();
                int[] tags = type == 0 ? new int[] {0x82, 0x83, 0x84, 0x85} : new int[] {0x80, 0x81, 0x84, 0x85};
                for (int tag : tags) {
                    if (random.nextBoolean()) {
                        String condition = conditions[random.nextInt(conditions.length)];
                        rules.append(String.format("%02X%02X", tag, condition.length() / 2)).append(condition);
                    }
                }
                body.append(String.format("A1%02X", rules.length() / 2)).append(rules);
            }
            return HEX.parseHex("62" + String.format("%02X", body.length() / 2) + body);
        }

        private byte[] fid() {
            int fid = random.nextInt(10) == 0 ? random.nextInt(0x10000) : FIDS[random.nextInt(FIDS.length)];
            return new byte[] {(byte) (fid >> 8), (byte) fid};
        }

        private int pinRef() {
            return new int[] {0x01, 0x01, 0x81, 0x81, 0x02, 0x00, 0x21}[random.nextInt(7)];
        }

        private int keyRef() {
            return new int[] {0x01, 0x01, 0x01, 0x02, 0x81}[random.nextInt(5)];
        }

        /** An Le: none, short (00 or a number) or extended. */
        private int le() {
            return switch (random.nextInt(6)) {
                case 0 -> -1;
                case 1 -> 256;
                case 2 -> 65536;
                case 3 -> 1 + random.nextInt(300);
                default -> 1 + random.nextInt(256);
            };
        }

        private static int noLe() {
            return -1;
        }

        private byte[] bytes(int length) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            return bytes;
        }

        private String pick(List<String> values) {
            return values.get(random.nextInt(values.size()));
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }

        /** A command with short length fields where they fit (and sometimes extended ones anyway). */
        private byte[] build(int ins, int p1, int p2, byte[] data, int le) {
            int nc = data == null ? 0 : data.length;
            boolean extended = nc > 255 || le > 256 || random.nextInt(8) == 0;
            byte[] header = {0x00, (byte) ins, (byte) p1, (byte) p2};
            byte[] body;
            if (!extended) {
                byte[] lc = nc == 0 ? new byte[0] : new byte[] {(byte) nc};
                byte[] leField = le < 0 ? new byte[0] : new byte[] {(byte) (le == 256 ? 0 : le)};
                body = concat(concat(lc, nc == 0 ? new byte[0] : data), leField);
            } else {
                byte[] lc = nc == 0 ? new byte[0] : new byte[] {0x00, (byte) (nc >> 8), (byte) nc};
                int leValue = le == 65536 ? 0 : le;
                byte[] leField = le < 0 ? new byte[0] : nc == 0 ? new byte[] {0x00, (byte) (leValue >> 8),
                    (byte) leValue} : new byte[] {(byte) (leValue >> 8), (byte) leValue};
                body = concat(concat(lc, nc == 0 ? new byte[0] : data), leField);
            }
            return concat(header, body);
        }
    }
}
