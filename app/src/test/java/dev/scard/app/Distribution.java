package dev.scard.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The exported distribution as the end-to-end tests start it: {@code java -jar target/scard.jar} (or the jar named by
 * the system property {@code scard.jar}) with the Java running the test, and the configuration files the build puts
 * beside it.
 */
final class Distribution {

    /** The port of the README's remote demo in {@code remote-host.json} and {@code remote-client.json}. */
    static final String DEMO_PORT = "8201";

    private Distribution() {
    }

    /** The exported jar; fails the test when it is missing. */
    static Path jar() {
        Path jar = Paths.get(System.getProperty("scard.jar", "target/scard.jar")).toAbsolutePath();
        assertThat(jar).as("the exported distribution").isRegularFile();
        return jar;
    }

    /** The {@code java} executable of the Java running the test. */
    static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code JAVA -Djava.io.tmpdir=TMP JVM_OPTIONS -jar JAR ARGS}, without the environment's JVM options (they would
     * apply to every JVM of the start); with {@code XDG_CACHE_HOME} set to {@code cacheHome} unless it is null.
     */
    static ProcessBuilder command(String javaExecutable, Path tmp, Path cacheHome, List<String> jvmOptions, Path jar,
        String... args) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable);
        command.add("-Djava.io.tmpdir=" + tmp);
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        if (cacheHome != null) {
            builder.environment().put("XDG_CACHE_HOME", cacheHome.toString());
        }
        return builder;
    }

    /** A copy in {@code tmp} of the demo configuration file {@code name} beside {@code jar}, on {@code port}. */
    static Path demoConfiguration(Path jar, Path tmp, String name, int port) throws IOException {
        String text = Files.readString(jar.resolveSibling(name), StandardCharsets.UTF_8);
        assertThat(text).as(name).contains(DEMO_PORT);
        return Files.writeString(tmp.resolve(name), text.replace(DEMO_PORT, Integer.toString(port)),
            StandardCharsets.UTF_8);
    }
}
