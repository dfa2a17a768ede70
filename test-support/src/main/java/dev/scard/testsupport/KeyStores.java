package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key stores for TLS tests, made at test time with the JDK's {@code keytool} (PKCS12, EC P-256 keys, self-signed
 * certificates valid for two days), in a folder of the test's.
 */
public final class KeyStores {

    private final Path folder;
    private final String password;

    /**
     * Key stores in {@code folder}, all with {@code password} (for the stores and their keys).
     *
     * @param folder where the stores are written ({@code <name>.p12}, certificates {@code <name>.cer})
     * @param password the stores' password (a test's, never a real one)
     */
    public KeyStores(Path folder, String password) {
        this.folder = folder;
        this.password = password;
    }

    /**
     * Makes the key store {@code <name>.p12} with a key and a self-signed certificate for {@code CN=<name>}.
     *
     * @param name the key's alias and the store's name
     * @return the store's path
     * @throws IOException when {@code keytool} cannot be run
     * @throws InterruptedException when the test thread is interrupted while {@code keytool} runs
     */
    public Path key(String name) throws IOException, InterruptedException {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store(name).toString(), "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password);
        keytool("-exportcert", "-alias", name, "-keystore", store(name).toString(), "-storepass", password, "-file",
                folder.resolve(name + ".cer").toString());
        return store(name);
    }

    /**
     * Makes the trust store {@code <name>.p12} holding the certificates of keys made before by {@link #key}.
     *
     * @param name the store's name
     * @param trusted the names of the keys whose certificates it trusts
     * @return the store's path
     * @throws IOException when {@code keytool} cannot be run
     * @throws InterruptedException when the test thread is interrupted while {@code keytool} runs
     */
    public Path trust(String name, String... trusted) throws IOException, InterruptedException {
        for (String key : trusted) {
            keytool("-importcert", "-noprompt", "-alias", key, "-file", folder.resolve(key + ".cer").toString(),
                    "-keystore", store(name).toString(), "-storetype", "PKCS12", "-storepass", password);
        }
        return store(name);
    }

    /**
     * The path of the store {@code name}.
     *
     * @param name a store's name
     * @return its path ({@code <folder>/<name>.p12})
     */
    public Path store(String name) {
        return folder.resolve(name + ".p12");
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool %s ended within 60 s", args[0]).isTrue();
        assertThat(process.exitValue()).as("keytool %s: %s", args[0], output).isZero();
    }
}
