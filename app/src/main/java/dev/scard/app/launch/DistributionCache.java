package dev.scard.app.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The distribution jar unpacked once into the user's cache folder, so that later starts read the framework, the
 * launcher and the bundles from plain files instead of copying them out of the jar again.
 * <p>
 * The folder is {@code <cache home>/scard/dist-<key>}, where the cache home is {@code $XDG_CACHE_HOME} when that is
 * an absolute path, else {@code ~/.cache}, and the key is derived from the jar's content (the name, size and CRC-32
 * of every entry, as its central directory records them), so a rebuilt jar gets a folder of its own and an
 * unchanged jar finds its folder again wherever it is copied.
 * <p>
 * A folder is filled under a temporary name beside it and then renamed in one atomic step; it is complete only
 * with its {@value #COMPLETE} marker, written last. So two distributions starting at once never see a half-written
 * folder: each may unpack, one rename wins, the other drops its copy and uses the winner's. Nothing ever writes
 * into a complete folder (the framework's own storage stays a fresh temporary folder per start), except the marker's
 * modification time, which records the last use. A complete folder whose files do not match the jar (edited or
 * partly deleted by hand) is moved aside and unpacked again. Folders of other jars unused for
 * {@link #UNUSED_LIMIT} are removed when a new folder is unpacked.
 */
public final class DistributionCache {

    /** The marker file of a complete folder, written last; its modification time is the last use. */
    public static final String COMPLETE = ".complete";
    /** The prefix of every unpacked folder's name. */
    public static final String PREFIX = "dist-";
    /** How long a folder of another jar may stay unused before an unpacking removes it. */
    public static final Duration UNUSED_LIMIT = Duration.ofDays(7);
    /** How old the last-use time may get before a start refreshes it (so that not every start writes). */
    private static final Duration TOUCH_AFTER = Duration.ofHours(1);

    private final Path jar;
    private final Path root;

    /**
     * A cache of {@code jar} under {@code root} (the {@code scard} folder in the cache home).
     *
     * @param jar the distribution jar
     * @param root the folder that holds the unpacked folders
     */
    public DistributionCache(Path jar, Path root) {
        this.jar = jar;
        this.root = root;
    }

    /**
     * The {@code scard} folder in the user's cache home: {@code $XDG_CACHE_HOME/scard} when that variable is an
     * absolute path, else {@code ~/.cache/scard}; empty when neither is known.
     *
     * @param environment the process environment
     * @param userHome the {@code user.home} system property, may be null
     * @return the folder, which need not exist yet
     */
    public static Optional<Path> defaultRoot(Map<String, String> environment, String userHome) {
        String xdg = environment.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Paths.get(xdg).isAbsolute()) {
            return Optional.of(Paths.get(xdg, "scard"));
        }
        if (userHome == null || userHome.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(Paths.get(userHome, ".cache", "scard"));
    }

    /**
     * The complete folder for the jar, unpacked now when there is none (or the one there does not match the jar).
     *
     * @return the folder, holding every entry of the jar at its path
     * @throws IOException when the jar cannot be read or the folder cannot be written
     */
    public Path prepare() throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<? extends ZipEntry> entries = files(zip);
            Path folder = root.resolve(PREFIX + key(entries));
            if (isComplete(folder, entries)) {
                touch(folder);
                return folder;
            }
            Files.createDirectories(root);
            if (Files.exists(folder)) {
                moveAside(folder);
            }
            Path fresh = Files.createTempDirectory(root, ".unpacking-");
            try {
                unpack(zip, entries, fresh);
                Files.writeString(fresh.resolve(COMPLETE), jar.toString() + "\n", StandardCharsets.UTF_8);
                try {
                    Files.move(fresh, folder, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    // Another start renamed its copy first (or the file system cannot rename a folder atomically
                    // over nothing: then only a folder already there can be used).
                    if (!isComplete(folder, entries)) {
                        throw new IOException("cannot rename " + fresh + " to " + folder, e);
                    }
                } catch (IOException e) {
                    // A non-empty target on some systems is a plain IOException ("Directory not empty").
                    if (!isComplete(folder, entries)) {
                        throw e;
                    }
                }
            } finally {
                FrameworkStorage.deleteTree(fresh);
            }
            removeUnused(folder);
            return folder;
        }
    }

    /** The regular files of the jar, in their order. */
    private static List<? extends ZipEntry> files(ZipFile zip) {
        List<ZipEntry> files = new ArrayList<>();
        Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            ZipEntry entry = all.nextElement();
            if (!entry.isDirectory()) {
                files.add(entry);
            }
        }
        return files;
    }

    /**
     * The key of a jar's content: a 64-bit hash ({@link #fingerprint}) of every entry's name, size and CRC-32 (read
     * from the central directory, nothing is decompressed).
     *
     * @param entries the jar's file entries
     * @return 16 lower-case hexadecimal digits
     */
    static String key(List<? extends ZipEntry> entries) {
        StringBuilder content = new StringBuilder(entries.size() * 64);
        for (ZipEntry entry : entries) {
            content.append(entry.getName()).append('\0').append(entry.getSize()).append(':').append(entry.getCrc())
                .append('\n');
        }
        return fingerprint(content);
    }

    /**
     * The 64-bit FNV-1a hash of the text's UTF-16 code units, as 16 lower-case hexadecimal digits: names a cache
     * entry after what it was made from. Not a message digest: loading the JDK's security providers for one costs a
     * start about 20 ms, and the names need no protection (whoever can write the cache folder can change its files).
     *
     * @param text what the entry depends on
     * @return 16 lower-case hexadecimal digits
     */
    static String fingerprint(CharSequence text) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            hash = (hash ^ (c & 0xff)) * 0x100000001b3L;
            hash = (hash ^ (c >>> 8)) * 0x100000001b3L;
        }
        String digits = Long.toHexString(hash);
        StringBuilder padded = new StringBuilder(16);
        for (int i = digits.length(); i < 16; i++) {
            padded.append('0');
        }
        return padded.append(digits).toString();
    }

    /** Whether {@code folder} is complete and holds every entry with its size. */
    private static boolean isComplete(Path folder, List<? extends ZipEntry> entries) {
        if (!Files.isRegularFile(folder.resolve(COMPLETE))) {
            return false;
        }
        try {
            for (ZipEntry entry : entries) {
                Path file = target(folder, entry);
                if (!Files.isRegularFile(file) || Files.size(file) != entry.getSize()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path target(Path folder, ZipEntry entry) throws IOException {
        Path file = folder.resolve(entry.getName()).normalize();
        if (!file.startsWith(folder) || file.equals(folder)) {
            throw new IOException("jar entry '" + entry.getName() + "' points outside the folder");
        }
        return file;
    }

    private static void unpack(ZipFile zip, List<? extends ZipEntry> entries, Path folder) throws IOException {
        for (ZipEntry entry : entries) {
            Path file = target(folder, entry);
            Files.createDirectories(file.getParent());
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, file);
            }
        }
    }

    /** Records a use, at most once per {@link #TOUCH_AFTER}; a read-only cache is used all the same. */
    private static void touch(Path folder) {
        Path marker = folder.resolve(COMPLETE);
        try {
            FileTime now = FileTime.fromMillis(System.currentTimeMillis());
            FileTime last = Files.getLastModifiedTime(marker);
            if (now.toMillis() - last.toMillis() > TOUCH_AFTER.toMillis()) {
                Files.setLastModifiedTime(marker, now);
            }
        } catch (IOException e) {
            // read-only: fine
        }
    }

    /**
     * Moves a folder that does not match the jar out of the way (a rename, so a distribution still running from it
     * keeps its open files), then removes it as far as it can.
     */
    private void moveAside(Path folder) throws IOException {
        Path aside = Files.createTempDirectory(root, ".stale-");
        try {
            Files.move(folder, aside.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.exists(folder)) {
                FrameworkStorage.deleteTree(aside);
                throw e;
            }
            // another start moved it first
        }
        FrameworkStorage.deleteTree(aside);
    }

    /**
     * Removes the folders of other jars whose last use is older than {@link #UNUSED_LIMIT} (with their kept framework
     * storage, {@link FrameworkStorage}), and leftovers of interrupted unpackings.
     */
    private void removeUnused(Path keep) {
        long limit = System.currentTimeMillis() - UNUSED_LIMIT.toMillis();
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(root)) {
            for (Path folder : folders) {
                String name = folder.getFileName().toString();
                if (folder.equals(keep) || !(name.startsWith(PREFIX) || name.startsWith(".stale-")
                    || name.startsWith(".unpacking-"))) {
                    continue;
                }
                Path marker = name.startsWith(PREFIX) ? folder.resolve(COMPLETE) : folder;
                try {
                    if (Files.getLastModifiedTime(marker).toMillis() < limit) {
                        FrameworkStorage.deleteTree(folder);
                        if (name.startsWith(PREFIX)) {
                            String storage = FrameworkStorage.PREFIX + name.substring(PREFIX.length());
                            FrameworkStorage.deleteTree(root.resolve(storage));
                            Files.deleteIfExists(root.resolve(storage + ".lock"));
                        }
                    }
                } catch (IOException e) {
                    // no marker (being unpacked right now) or gone already
                }
            }
        } catch (IOException e) {
            // nothing to tidy
        }
    }
}
