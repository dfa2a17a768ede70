package dev.scard.app.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameworkLauncherTest {

    @TempDir
    Path folder;

    @Test
    void eachEntryOfTheRunBundlesAttributesGivesItsStartLevel() {
        String attributes = "com.sun.jna;version=\"5.19.1\";startlevel=1,"
            + "dev.scard.console;version=\"[0.1,0.2)\";startlevel=2,"
            + "io.netty.buffer;version=\"4.1.130.Final\";startlevel=10,"
            + "no.level;version=\"1.0\"";
        assertThat(FrameworkLauncher.levels(attributes)).as("a comma inside a quoted version splits nothing")
            .containsExactly(1, 2, 10, 1);
        assertThat(FrameworkLauncher.levels("  ")).isEmpty();
    }

    @Test
    void theBundlesAreReferencedWhereTheyAreUnpackedWithTheirLevels() throws IOException {
        Files.createDirectories(folder.resolve("jar"));
        Files.write(folder.resolve("jar/a.jar"), new byte[] {1});
        Files.write(folder.resolve("jar/b.jar"), new byte[] {2});
        Properties properties = new Properties();
        properties.setProperty("launch.bundles", "jar/a.jar, jar/b.jar");
        properties.setProperty("launch.runbundles.attrs", "a;version=\"1\";startlevel=1,b;version=\"2\";startlevel=10");

        List<FrameworkLauncher.Entry> entries = FrameworkLauncher.entries(folder, properties);

        assertThat(entries).extracting(entry -> entry.location).containsExactly(
            "reference:" + folder.resolve("jar/a.jar").toFile().toURI(),
            "reference:" + folder.resolve("jar/b.jar").toFile().toURI());
        assertThat(entries.get(0).location).startsWith("reference:file:/").doesNotStartWith("reference:file:///");
        assertThat(entries).extracting(entry -> entry.level).containsExactly(1, 10);
    }

    @Test
    void aMissingBundleOrAMismatchedListIsAnErrorThatSaysWhat() throws IOException {
        Properties properties = new Properties();
        properties.setProperty("launch.bundles", "jar/gone.jar");
        properties.setProperty("launch.runbundles.attrs", "gone;version=\"1\";startlevel=1");
        assertThatThrownBy(() -> FrameworkLauncher.entries(folder, properties)).isInstanceOf(IOException.class)
            .hasMessageContaining("no bundle").hasMessageContaining("gone.jar");

        properties.setProperty("launch.runbundles.attrs", "");
        assertThatThrownBy(() -> FrameworkLauncher.entries(folder, properties)).isInstanceOf(IOException.class)
            .hasMessageContaining("1 bundles but 0 start levels");
    }

    @Test
    void runPropertiesBecomeFrameworkAndSystemPropertiesAndTheCommandLineWins() {
        String own = "scard.test.run." + System.nanoTime();
        String given = own + ".given";
        System.setProperty(given, "from the command line");
        try {
            Properties properties = new Properties();
            properties.setProperty(own, "from the bndrun");
            properties.setProperty(given, "from the bndrun");
            properties.setProperty("launch.trace", "true");

            Map<String, String> config = FrameworkLauncher.runProperties(properties);

            assertThat(config).containsEntry(own, "from the bndrun").containsEntry(given, "from the command line")
                .doesNotContainKey("launch.trace");
            assertThat(System.getProperty(own)).isEqualTo("from the bndrun");
            assertThat(System.getProperty(given)).isEqualTo("from the command line");
        } finally {
            System.clearProperty(own);
            System.clearProperty(given);
        }
    }
}
