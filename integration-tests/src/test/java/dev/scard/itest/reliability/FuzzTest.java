package dev.scard.itest.reliability;

import static dev.scard.itest.support.Apdus.bytes;
import static dev.scard.itest.support.Apdus.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.itest.support.GogoShell;
import dev.scard.testsupport.Expect;

/**
 * Seeded, bounded fuzzing. Shell lines: random and mutated {@code scard:} command lines through a real Gogo session;
 * each returns a value or fails with one non-blank line, nothing reaches the error stream (no stack trace), and no
 * line hangs. APDUs: random and mutated command APDUs through {@code ISCardManage.transmit} to a fresh sample card;
 * each gets a response of at least a status word or fails with a well-formed {@code E_INVALIDARG}, and the card's
 * files and PIN retry counters are the same afterwards (commands that change a card's state are left out of the
 * fuzz, so nothing may change them).
 */
public class FuzzTest extends ReliabilityBase {

    static final long SEED = 0x5CA2DL;
    static final int SHELL_LINES = 400;
    static final int APDUS = 5000;
    static final Duration LINE_BOUND = Duration.ofSeconds(10);

    /** The shell commands fuzzed: all but those that change a card, the backends or the simulator. */
    static final List<String> COMMANDS = List.of("scard:readers", "scard:attach", "scard:detach", "scard:status",
            "scard:apdu", "scard:lock", "scard:unlock", "scard:reconnect", "scard:ls", "scard:cd", "scard:pwd",
            "scard:cat", "scard:info", "scard:connect", "scard:disconnect");
    static final List<String> ARGUMENTS = List.of("'Simulated Reader 0'", "'Simulated Reader 1'", "'No Reader'",
            "''", "-1", "0", "1", "99999999999999999999999", "00A4000C023F00", "00A4", "0084000008", "zz", "3F00",
            "5015", "4401", "/", "..", "5015/4401", "2F01", "--shared", "--exclusive", "--direct", "-x", "--reset",
            "--unpower", "--eject", "--leave", "--timeout", "100ms", "-5s", "T0", "T1", "raw", "0x10", "NaN", "-",
            "--", "--hex", "--offset", "--length", "65536", "'Virtual PCD 00 00'", "abc/def", "%%", "@", "é");
    /** Characters a mutation may put in; none of them is Gogo syntax (quotes, braces, pipes, variables). */
    static final String SAFE = "abcdefABCDEF0123456789 -_/.:,+%@xz";

    /** Instructions that change a card's state (files, PINs, life cycle, keys): not fuzzed. */
    static final Set<Integer> CHANGING = Set.of(0x04, 0x0E, 0x20, 0x21, 0x24, 0x2C, 0x44, 0xD0, 0xD1, 0xD6, 0xD7,
            0xDA, 0xDB, 0xDC, 0xDD, 0xE0, 0xE2, 0xE4, 0xE6, 0xE8, 0x82, 0x86, 0x87, 0x88, 0x46, 0x47, 0xF0);
    /** Valid commands the mutations start from. */
    static final List<String> SEEDS = List.of("00A4000C023F00", "00A40000023F00", "00A4000C025015",
            "00A4000C022F01", "00B0000010", "00B0000000", "00B2010C00", "0084000008", "00CA004F00",
            "00A4040C0CA000000063504B43532D3135",
            "00B000000000FF", "00C0000000", "00B1000004540200", "80CA9F7F00");

    @Test
    void fuzzedShellLinesFailWithOneLineAndNeverHang() throws Exception {
        GogoShell shell = new GogoShell(awaitService(CommandProcessor.class, null));
        onCleanup(shell::close);
        Random random = new Random(SEED);
        int succeeded = 0;
        int failed = 0;
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < SHELL_LINES; i++) {
            String line = random.nextInt(3) == 0 ? mutate(randomLine(random), random) : randomLine(random);
            Object[] outcome = new Object[1];
            boolean returned = bounded("shell line '" + line + "'", LINE_BOUND, () -> {
                try {
                    outcome[0] = shell.execute(line);
                } catch (Exception e) {
                    outcome[0] = e;
                }
                return null;
            });
            if (!returned) {
                problems.add("hung: " + line);
                break;
            }
            if (outcome[0] instanceof Exception e) {
                failed++;
                String message = e.getMessage();
                if (message == null || message.isBlank() || message.contains("\n")
                        || message.contains("Exception")) {
                    problems.add("'" + line + "' failed with " + e.getClass().getName() + ": " + message);
                }
            } else {
                succeeded++;
            }
            String err = shell.errorStream();
            if (!err.isEmpty()) {
                problems.add("'" + line + "' wrote to the error stream: " + err.lines().findFirst().orElse(""));
                break;
            }
        }
        Figures.record("h. shell fuzz, simulator", SHELL_LINES + " lines (seed " + SEED + ") in "
                + millisSince(start) + " ms: " + succeeded + " succeeded, " + failed + " failed with one line, "
                + problems.size() + " problems" + (problems.isEmpty() ? "" : " " + problems.subList(0,
                        Math.min(3, problems.size()))));
        assertThat(problems).as("lines that hung, printed a stack trace or failed without one clear line")
                .isEmpty();
    }

    private static String randomLine(Random random) {
        StringBuilder line = new StringBuilder(COMMANDS.get(random.nextInt(COMMANDS.size())));
        for (int n = random.nextInt(4); n > 0; n--) {
            line.append(' ');
            if (random.nextInt(5) == 0) {
                line.append(randomHex(random, 1 + random.nextInt(40)));
            } else {
                line.append(ARGUMENTS.get(random.nextInt(ARGUMENTS.size())));
            }
        }
        return line.toString();
    }

    /** Replaces, inserts or deletes a few characters after the command name, with characters of {@link #SAFE}. */
    private static String mutate(String line, Random random) {
        int from = line.indexOf(' ');
        if (from < 0 || line.contains("'")) {
            return line + " " + SAFE.charAt(random.nextInt(SAFE.length()));
        }
        StringBuilder mutated = new StringBuilder(line);
        for (int n = 1 + random.nextInt(3); n > 0 && mutated.length() > from + 1; n--) {
            int at = from + 1 + random.nextInt(mutated.length() - from - 1);
            char c = SAFE.charAt(random.nextInt(SAFE.length()));
            switch (random.nextInt(3)) {
                case 0 -> mutated.setCharAt(at, c);
                case 1 -> mutated.insert(at, c);
                default -> mutated.deleteCharAt(at);
            }
        }
        return mutated.toString();
    }

    private static String randomHex(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return hex(bytes);
    }

    @Test
    void fuzzedApdusGetAnAnswerAndLeaveTheCardAsItWas() throws Exception {
        restoreReader(SIM_READER_1, true);
        onCleanup(() -> restoreReader(SIM_READER_1, false));
        ISCardManage manager = attached(SIM, SIM_READER_1);
        List<String> before = snapshot(manager);
        assertThat(before.get(1)).as("2F01's content").startsWith(hex("SCard simulator sample card".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)));
        assertThat(before.get(2)).as("PIN 01's retry counter").isEqualTo("63C3");

        Random random = new Random(SEED);
        int answered = 0;
        int rejected = 0;
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < APDUS; i++) {
            byte[] apdu = fuzzedApdu(random);
            try {
                byte[] response = manager.transmit(apdu);
                if (response == null || response.length < 2) {
                    problems.add(hex(apdu) + " got " + (response == null ? "null" : hex(response)));
                }
                answered++;
            } catch (SCardException e) {
                if (e.code() == HResult.E_INVALIDARG) {
                    Expect.assertWellFormedMessage(e);
                    rejected++;
                } else {
                    problems.add(hex(apdu) + " failed: " + e.getMessage());
                }
            } catch (RuntimeException e) {
                problems.add(hex(apdu) + " threw " + e);
            }
        }
        long took = millisSince(start);
        manager.reconnect(Disposition.RESET);
        List<String> after = snapshot(manager);
        Figures.record("h. APDU fuzz, simulator", APDUS + " APDUs (seed " + SEED + ") in " + took + " ms: "
                + answered + " answered, " + rejected + " rejected as malformed (E_INVALIDARG), " + problems.size()
                + " problems" + (problems.isEmpty() ? "" : " " + problems.subList(0, Math.min(3, problems.size())))
                + "; card state " + (before.equals(after) ? "unchanged" : "CHANGED"));
        assertThat(problems).as("APDUs without an answer or with an unexpected failure").isEmpty();
        assertThat(after).as("the card's files and retry counters after the fuzz").isEqualTo(before);
    }

    private static byte[] fuzzedApdu(Random random) {
        byte[] apdu;
        switch (random.nextInt(4)) {
            case 0 -> {
                apdu = new byte[random.nextInt(40)];
                random.nextBytes(apdu);
            }
            case 1 -> {
                int lc = random.nextInt(20);
                apdu = new byte[5 + lc + random.nextInt(2)];
                random.nextBytes(apdu);
                apdu[4] = (byte) lc;
            }
            default -> {
                apdu = bytes(SEEDS.get(random.nextInt(SEEDS.size())));
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    int at = random.nextInt(apdu.length);
                    switch (random.nextInt(4)) {
                        case 0 -> apdu[at] ^= (byte) (1 << random.nextInt(8));
                        case 1 -> apdu[at] = (byte) random.nextInt(256);
                        case 2 -> apdu = Arrays.copyOf(apdu, Math.max(0, apdu.length - 1 - random.nextInt(3)));
                        default -> apdu = Arrays.copyOf(apdu, apdu.length + 1 + random.nextInt(3));
                    }
                    if (apdu.length == 0) {
                        break;
                    }
                }
            }
        }
        if (apdu.length >= 2 && CHANGING.contains(apdu[1] & 0xFF)) {
            apdu[1] = (byte) 0xB0; // READ BINARY instead of an instruction that changes the card
        }
        return apdu;
    }

    /** The files and PIN retry counters the fuzz must not change, read through plain APDUs. */
    private static List<String> snapshot(ISCardManage manager) {
        List<String> state = new ArrayList<>();
        for (String apdu : List.of("00A4000C023F00", "00A4000C022F01;00B0000040", "00200001",
                "00A4000C025015;00A4000C024401;00B0000080", "00A4000C025015;00B0000080;00B0800080",
                "00A4000C025015;00200081", "00A4000C025015;00A4000C024404;00B0000010")) {
            StringBuilder responses = new StringBuilder();
            manager.transmit(bytes("00A4000C023F00"));
            for (String part : apdu.split(";")) {
                if (responses.length() > 0) {
                    responses.append(' ');
                }
                responses.append(hex(manager.transmit(bytes(part))));
            }
            state.add(responses.toString());
        }
        state.set(1, state.get(1).substring(state.get(1).indexOf(' ') + 1));
        return state;
    }
}
