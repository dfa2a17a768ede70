package dev.scard.app.launch;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The framework storage kept from one start of a distribution to the next, so that the framework finds its bundles
 * installed and SCR finds their component descriptions parsed ({@code ds.cache.metadata}) instead of doing both
 * again on every start.
 * <p>
 * It is the folder {@code storage-<key>} beside the unpacked folder {@code dist-<key>}, and one start at a time owns
 * it: the start that gets the exclusive lock on {@code storage-<key>.lock} uses it and holds the lock until its JVM
 * ends; a start that finds it locked (another distribution of the same jar is running) gets empty and starts with a
 * fresh temporary storage. The owner writes the marker {@value #RUNNING} into the storage before the framework starts
 * and removes it when the JVM ends; a storage that still has the marker (its JVM was killed, maybe while the framework
 * was writing) is deleted and built again. {@link FrameworkLauncher} makes every start begin with the distribution's
 * bundles and nothing else. Configurations are not kept: the distribution runs Config Admin with its
 * memory persistence ({@code felix.cm.pm=memory}), so each start begins with the initial configuration file only.
 */
public final class FrameworkStorage {

    /** The marker of a storage in use; left behind, it marks a storage to throw away. */
    public static final String RUNNING = "scard.running";
    /** The prefix of every kept storage's name. */
    public static final String PREFIX = "storage-";

    private FrameworkStorage() {
    }

    /**
     * Takes the storage that belongs to the unpacked folder {@code unpacked} ({@code dist-<key>}), for this JVM.
     *
     * @param unpacked the unpacked distribution folder
     * @return the storage folder, locked for this JVM and marked as running; empty when another JVM holds it or it
     *         cannot be used
     */
    public static Optional<Path> acquire(Path unpacked) {
        String key = unpacked.getFileName().toString().substring(DistributionCache.PREFIX.length());
        Path root = unpacked.getParent();
        Path storage = root.resolve(PREFIX + key);
        Path lockFile = root.resolve(PREFIX + key + ".lock");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            Path marker = storage.resolve(RUNNING);
            if (Files.exists(marker)) {
                deleteTree(storage);
            }
            Files.createDirectories(storage);
            Files.writeString(marker, ProcessHandle.current().pid() + "\n");
            FileChannel held = channel;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> release(marker, held), "scard-storage-release"));
            return Optional.of(storage);
        } catch (IOException | OverlappingFileLockException | SecurityException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing to release
                }
            }
            return Optional.empty();
        }
    }

    /** Removes the marker (the framework has stopped by the time the launcher ends the JVM) and lets go the lock. */
    private static void release(Path marker, FileChannel lock) {
        try {
            Files.deleteIfExists(marker);
        } catch (IOException e) {
            // the storage is thrown away at the next start
        }
        try {
            lock.close();
        } catch (IOException e) {
            // the JVM ends: the lock goes with it
        }
    }

    /** Deletes a folder and everything in it, as far as it can. */
    static void deleteTree(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
