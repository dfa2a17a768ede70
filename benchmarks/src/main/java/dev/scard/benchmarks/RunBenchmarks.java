package dev.scard.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark in one go and writes {@code jmh.json} (JMH's raw results) and {@code summary.md} (the
 * figures and ratios the README quotes) into the results folder.
 *
 * <p>Arguments: the distribution jar to time, and the results folder.
 */
public final class RunBenchmarks {

    private RunBenchmarks() {
    }

    /** Runs the benchmarks; see the class description for the arguments. */
    public static void main(String[] args) throws RunnerException, IOException, InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: java -jar benchmarks.jar <app/target/scard.jar> <results folder>");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path results = Path.of(args[1]);
        Files.createDirectories(results);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Options options = new OptionsBuilder()
                .include(ManagerBenchmark.class.getName())
                .forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .resultFormat(ResultFormatType.JSON)
                .result(results.resolve("jmh.json").toString())
                .build();
        Collection<RunResult> runs = new Runner(options).run();
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (RunResult run : runs) {
            String name = run.getParams().getBenchmark();
            scores.put(name.substring(name.lastIndexOf('.') + 1), new double[] {
                run.getPrimaryResult().getScore(), run.getPrimaryResult().getScoreError()});
        }
        StartupTimer.Result startup = StartupTimer.measure(java, List.of(jar), StartupTimer.RUNS);
        String summary = summary(scores, startup.javaVersion(), startup.firstStartMillis().get(jar),
                startup.jars().get(jar));
        Files.writeString(results.resolve("summary.md"), summary, StandardCharsets.UTF_8);
        System.out.println(summary);
    }

    private static String summary(Map<String, double[]> scores, StartupTimer.Series javaVersion, long firstStart,
            StartupTimer.Series startup) {
        StringBuilder text = new StringBuilder();
        text.append("# Benchmark results\n\n")
                .append("Run ").append(Instant.now()).append(" on ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores, Java ").append(System.getProperty("java.version")).append(" (")
                .append(System.getProperty("java.vm.name")).append(").\n")
                .append("JMH: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement, single thread; ± is JMH's 99.9% error.\n\n")
                .append("## APDU exchanges per second: ISCardManage on the in-process simulator vs the card model\n\n")
                .append("| command | through ISCardManage | card model directly | ratio |\n|---|---:|---:|---:|\n");
        ratioRow(text, "SELECT MF, no FCI (00A4000C023F00)", scores, "selectMfThroughManager", "selectMfCardModel");
        ratioRow(text, "SELECT MF with FCP (00A40000023F0000)", scores, "selectMfFcpThroughManager", "selectMfFcpCardModel");
        ratioRow(text, "GET CHALLENGE 8 bytes (0084000008)", scores, "getChallengeThroughManager", "getChallengeCardModel");
        text.append("\n## Attach/detach cycles per second\n\n")
                .append("| operation | per second |\n|---|---:|\n")
                .append("| AttachByIFD (shared) + Detach | ").append(format(scores.get("attachDetach"))).append(" |\n");
        text.append("\n## Distribution start-up\n\n")
                .append("Wall time from `java -jar scard.jar -c '").append(StartupTimer.COMMAND)
                .append("'` to its first output line, and of a bare `java -version` to its end, ")
                .append(startup.millis().size()).append(" runs each taking turns, after the distribution's first ")
                .append("start (which unpacks the jar into its cache folder); peak memory is the largest, over the ")
                .append("runs, of the summed peak resident set sizes of a run's processes (both JVMs of a start).\n\n")
                .append("| command | median | runs, sorted (ms) | max RSS |\n|---|---:|---|---:|\n")
                .append("| `java -jar scard.jar -c '").append(StartupTimer.COMMAND).append("'` | ")
                .append(startup.median()).append(" ms | ").append(startup.millis()).append(" | ")
                .append(startup.maxRss()).append(" |\n")
                .append("| `java -version` | ").append(javaVersion.median()).append(" ms | ")
                .append(javaVersion.millis()).append(" | ").append(javaVersion.maxRss()).append(" |\n\n")
                .append("First start after a build (unpacking included): ").append(firstStart).append(" ms.\n");
        return text.toString();
    }

    private static void ratioRow(StringBuilder text, String label, Map<String, double[]> scores, String through,
            String direct) {
        double[] manager = scores.get(through);
        double[] model = scores.get(direct);
        text.append("| ").append(label).append(" | ").append(format(manager)).append(" | ").append(format(model))
                .append(" | ").append(String.format("%.2f", manager[0] / model[0])).append(" |\n");
    }

    private static String format(double[] score) {
        return String.format("%,.0f ± %,.0f", score[0], score[1]);
    }
}
