package dev.scard.benchmarks;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CardTerminal;
import javax.smartcardio.CommandAPDU;
import javax.smartcardio.TerminalFactory;

import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.pcsc.internal.PcscBackend;
import dev.scard.pcsc.internal.PcscPlatform;
import dev.scard.pcsc.internal.PcscSettings;
import dev.scard.simulator.control.ServedReader;
import dev.scard.simulator.internal.MinimalIsoCard;
import dev.scard.simulator.internal.VpcdCardServer;

/**
 * The PC/SC benchmarks, in one run on one card: the simulator's default card served to pcscd over vpcd
 * ("Virtual PCD 00 00"), driven through {@code ISCardManage} over impl-pcsc, through {@code javax.smartcardio},
 * and through a C program calling pcsc-lite directly. The three take turns, round after round, so machine noise
 * hits them alike; the median of the rounds is reported. A last measurement drives the simulator's vpcd card
 * server from a fake vpcd on loopback, to show how fast the card side can answer.
 *
 * <p>Before the first round each Java client runs for two seconds unrecorded, so that the JIT has compiled its
 * path. The machine may be shared (other builds and tests run beside): every round measures the three clients one
 * after the other, so the ratio of impl-pcsc to C within a round compares like with like. The summary reports the
 * medians of the rates and the median of the per-round ratios, which load that drifts between rounds disturbs
 * least.
 *
 * <p>Arguments: the C program, the results folder, seconds per measurement (e.g. 0.5), rounds.
 */
public final class PcscBenchmark {

    static final String READER = "Virtual PCD 00 00";
    static final byte[] SELECT_MF = HexFormat.of().parseHex("00A4000C023F00");

    private PcscBenchmark() {
    }

    /** Runs the PC/SC benchmarks; see the class description for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: PcscBenchmark <pcsc_bench binary> <results folder> <seconds> <rounds>");
            System.exit(2);
        }
        Path cProgram = Path.of(args[0]);
        Path results = Path.of(args[1]);
        Duration each = Duration.ofMillis(Math.round(Double.parseDouble(args[2]) * 1000));
        int rounds = Integer.parseInt(args[3]);
        Files.createDirectories(results);

        Map<String, List<Double>> rates = new LinkedHashMap<>();
        try (VpcdCardServer card = VpcdCardServer.start(new MinimalIsoCard(), "127.0.0.1", 35963)) {
            if (!card.awaitState(ServedReader.State.SERVING, Duration.ofSeconds(10))) {
                throw new IllegalStateException("pcscd does not talk to the vpcd card: " + card.status());
            }
            PcscBackend backend = new PcscBackend(PcscPlatform.current(), PcscSettings.defaults());
            long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!backend.readerInfo(READER).cardPresent()) { // pcscd polls vpcd for the card
                if (System.nanoTime() - seen > 0) {
                    throw new IllegalStateException("pcscd does not show the vpcd card in " + READER);
                }
                Thread.sleep(20);
            }
            HandleTable handles = new HandleTable();
            TerminalFactory factory = TerminalFactory.getDefault();
            CardTerminal terminal = factory.terminals().getTerminal(READER);
            if (terminal == null) {
                throw new IllegalStateException("javax.smartcardio does not see " + READER);
            }
            // warm-up (not recorded): the JIT compiles the Java clients' paths before the first measured round
            Duration warmUp = Duration.ofSeconds(2);
            implPcscConnect(backend, handles, warmUp);
            implPcscTransmit(backend, handles, warmUp);
            smartcardioTransmit(terminal, warmUp);
            rate(warmUp, () -> {
                try {
                    terminal.connect("*").disconnect(false);
                    return 1;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int round = 0; round < rounds; round++) {
                // impl-pcsc's measurements right next to the C program's of the same operation (the C program
                // measures transmit, then connect): before it in odd rounds, after it in even ones
                if (round % 2 == 1) {
                    add(rates, "transmit impl-pcsc", implPcscTransmit(backend, handles, each));
                }
                Map<String, Double> c = runC(cProgram, each);
                add(rates, "transmit C", c.get("transmit_per_second"));
                add(rates, "connect C", c.get("connect_per_second"));
                add(rates, "connect impl-pcsc", implPcscConnect(backend, handles, each));
                if (round % 2 == 0) {
                    add(rates, "transmit impl-pcsc", implPcscTransmit(backend, handles, each));
                }
                add(rates, "transmit smartcardio", smartcardioTransmit(terminal, each));
                add(rates, "connect smartcardio", rate(each, () -> {
                    try {
                        terminal.connect("*").disconnect(false);
                        return 1;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
        }
        double cardSide = cardSideRate(each);
        String summary = summary(rates, cardSide, each, rounds);
        Files.writeString(results.resolve("pcsc.md"), summary, StandardCharsets.UTF_8);
        System.out.println(summary);
    }

    /** SELECT MF round trips per second through one attachment. */
    private static double implPcscTransmit(PcscBackend backend, HandleTable handles, Duration each) {
        CardManager manager = new CardManager(backend, handles);
        try {
            manager.attachByIfd(READER);
            return rate(each, () -> manager.transmit(SELECT_MF).length);
        } finally {
            manager.dispose("round over");
        }
    }

    /** AttachByIFD + Detach cycles per second. */
    private static double implPcscConnect(PcscBackend backend, HandleTable handles, Duration each) {
        CardManager cycler = new CardManager(backend, handles);
        try {
            return rate(each, () -> {
                cycler.attachByIfd(READER);
                cycler.detach();
                return 1;
            });
        } finally {
            cycler.dispose("round over");
        }
    }

    private static void add(Map<String, List<Double>> rates, String name, double value) {
        rates.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    /** Operations per second of {@code operation} run back to back for {@code each}. */
    static double rate(Duration each, LongSupplier operation) {
        long end = System.nanoTime() + each.toNanos();
        long start = System.nanoTime();
        long count = 0;
        long now;
        do {
            operation.getAsLong();
            count++;
            now = System.nanoTime();
        } while (now < end);
        return count / ((now - start) / 1e9);
    }

    private static double smartcardioTransmit(CardTerminal terminal, Duration each) throws Exception {
        Card card = terminal.connect("*");
        try {
            CardChannel channel = card.getBasicChannel();
            CommandAPDU select = new CommandAPDU(SELECT_MF);
            return rate(each, () -> {
                try {
                    return channel.transmit(select).getSW();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            card.disconnect(false);
        }
    }

    private static Map<String, Double> runC(Path program, Duration each) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(program.toString(), READER,
                String.format(java.util.Locale.ROOT, "%.3f", each.toMillis() / 1000.0)).redirectErrorStream(true).start();
        Map<String, Double> values = new LinkedHashMap<>();
        StringBuilder output = new StringBuilder();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.append(line).append('\n');
                String[] parts = line.split(" ");
                if (parts.length == 2) {
                    values.put(parts[0], Double.parseDouble(parts[1]));
                }
            }
        }
        if (!process.waitFor(each.toMillis() * 4 + 30_000, TimeUnit.MILLISECONDS) || process.exitValue() != 0
                || values.size() != 2) {
            process.destroyForcibly();
            throw new IOException("the C benchmark failed: " + output);
        }
        return values;
    }

    /**
     * Round trips per second the vpcd card server answers when a fake vpcd on loopback asks as fast as it can:
     * the card side's capacity, without pcscd.
     */
    static double cardSideRate(Duration each) throws Exception {
        try (ServerSocket fakeVpcd = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                VpcdCardServer card = VpcdCardServer.start(new MinimalIsoCard(), "127.0.0.1",
                        fakeVpcd.getLocalPort());
                Socket link = fakeVpcd.accept()) {
            link.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(link.getOutputStream());
            DataInputStream in = new DataInputStream(link.getInputStream());
            exchange(out, in, new byte[] {0x01}, false); // power on
            return rate(each, () -> exchange(out, in, SELECT_MF, true));
        }
    }

    private static long exchange(DataOutputStream out, DataInputStream in, byte[] message, boolean answered) {
        try {
            out.writeShort(message.length);
            out.write(message);
            out.flush();
            if (!answered) {
                return 0;
            }
            int length = in.readUnsignedShort();
            in.readFully(new byte[length]);
            return length;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String summary(Map<String, List<Double>> rates, double cardSide, Duration each, int rounds) {
        StringBuilder text = new StringBuilder();
        text.append("# PC/SC benchmark results\n\n")
                .append("Run ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(System.getProperty("java.version")).append(", pcsc-lite with the vpcd")
                .append(" driver; the simulator's default card served on '").append(READER).append("'.\n")
                .append(rounds).append(" rounds; in each, the three clients take turns for ")
                .append(String.format(java.util.Locale.ROOT, "%.1f", each.toMillis() / 1000.0))
                .append(" s per measurement, impl-pcsc's measurements next to the C program's of the same operation; ")
                .append("medians of the rounds (all rounds in brackets).\n\n")
                .append("| operation | C (pcsc-lite) | javax.smartcardio | ISCardManage over impl-pcsc "
                        + "| impl-pcsc / C (medians) | impl-pcsc / C per round (median; all rounds) |\n")
                .append("|---|---:|---:|---:|---:|---:|\n");
        for (String operation : List.of("transmit", "connect")) {
            double c = median(rates.get(operation + " C"));
            double jdk = median(rates.get(operation + " smartcardio"));
            double ours = median(rates.get(operation + " impl-pcsc"));
            text.append("| ").append(operation.equals("transmit") ? "SELECT MF round trips/s"
                    : "connect + disconnect/s (impl-pcsc: AttachByIFD + Detach)")
                    .append(" | ").append(format(c, rates.get(operation + " C")))
                    .append(" | ").append(format(jdk, rates.get(operation + " smartcardio")))
                    .append(" | ").append(format(ours, rates.get(operation + " impl-pcsc")))
                    .append(" | ").append(String.format("%.2f", ours / c))
                    .append(" | ").append(ratios(rates.get(operation + " impl-pcsc"), rates.get(operation + " C")))
                    .append(" |\n");
        }
        text.append("\nConnect + disconnect: the C program calls SCardConnect and SCardDisconnect on one context it keeps "
                + "(two round trips to pcscd). AttachByIFD + Detach over impl-pcsc costs the same two: the backend "
                + "keeps established contexts in a pool (one per open connection, reused one connection at a time), "
                + "opens on the caller's thread, and learns the card's insertion counter only when it needs it "
                + "(status, lock) instead of an SCardStatus per connect. javax.smartcardio asks SCardStatus on every "
                + "connect (the ATR).\n");
        text.append("\nThe simulator's vpcd card server, asked by a fake vpcd on loopback (no pcscd): ")
                .append(String.format("%,.0f", cardSide)).append(" SELECT MF round trips/s, ")
                .append(String.format("%.1f", cardSide / median(rates.get("transmit C"))))
                .append(" x what the C program asks through pcscd.\n");
        return text.toString();
    }

    /** The median of the per-round ratios {@code ours[i] / c[i]} and every round's ratio. */
    private static String ratios(List<Double> ours, List<Double> c) {
        List<Double> each = new ArrayList<>();
        for (int i = 0; i < Math.min(ours.size(), c.size()); i++) {
            each.add(ours.get(i) / c.get(i));
        }
        StringBuilder text = new StringBuilder(String.format("%.2f", median(each))).append(" (");
        for (int i = 0; i < each.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(String.format("%.2f", each.get(i)));
        }
        return text.append(')').toString();
    }

    private static String format(double median, List<Double> all) {
        StringBuilder text = new StringBuilder(String.format("%,.0f", median)).append(" (");
        for (int i = 0; i < all.size(); i++) {
            text.append(i == 0 ? "" : ", ").append(String.format("%,.0f", all.get(i)));
        }
        return text.append(')').toString();
    }
}
