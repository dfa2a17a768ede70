package dev.scard.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import dev.scard.api.CardHandle;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.Protocol;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.ShareMode;
import dev.scard.api.Tlv;
import dev.scard.cardservices.internal.FileAccessFactory;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;
import dev.scard.simulator.internal.SimulatorBackend;

/**
 * Not a timed benchmark: counts the APDUs that reach the card for the shell's file commands {@code scard:cat},
 * {@code scard:update}, {@code scard:ls} and {@code scard:info} on the simulator's sample card, and writes
 * {@code apdu-counts.md} into the results folder given as argument. Each command makes the same
 * {@code ISCardFileAccess} calls as the shell's {@code FileCommands} (open, the open file's FCP, read or write in
 * 256-byte pieces, close; {@code ls}: the listing, the DFs, the FCP of each file), under the lock the shell holds
 * for the command, through a fresh file access whose manager counts {@code transmit} calls. The "before" column is
 * what this program measured at commit {@code f3d4275} (before the card services tracked their selection).
 */
public final class ApduCountBenchmark {

    static final String READER = "APDU Count Reader";
    /** The shell's piece size for reading transparent files ({@code FileCommands.READ_CHUNK}). */
    static final int READ_CHUNK = 256;

    /**
     * The counts measured at {@code f3d4275} with this program (then the shell asked for the FCP by path before
     * opening, and did not lock: the same counts, as every call selected; its {@code ls} listed twice, all files and
     * then the DFs, and a listing without LIST FILES selected every identifier 0000 to FFFE).
     */
    static final Map<String, Integer> BEFORE = Map.ofEntries(
            Map.entry("cat 2F01", 4),
            Map.entry("cat 2F00", 5),
            Map.entry("cat 3F00/5015/5032", 9),
            Map.entry("cat 3F00/5015/4401", 258),
            Map.entry("update 3F00/5015/5032 1", 4),
            Map.entry("info 2F01", 1),
            Map.entry("info 3F00/5015", 1),
            Map.entry("ls (3F00)", 15),
            Map.entry("ls (3F00/5015)", 27),
            Map.entry("ls (3F00), card without LIST FILES", 131_080),
            Map.entry("ls (3F00/5015), card without LIST FILES", 131_092));

    private ApduCountBenchmark() {
    }

    /** Counts the APDUs; the single argument is the results folder. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp benchmarks.jar dev.scard.benchmarks.ApduCountBenchmark <results folder>");
            System.exit(2);
        }
        Map<String, Integer> counts = measure();
        StringBuilder text = new StringBuilder();
        text.append("# APDUs per shell file command\n\n")
                .append("Run ").append(Instant.now()).append(" by `ApduCountBenchmark` (not timed: it counts the APDUs")
                .append(" reaching the card). The simulator's sample card, in-process; each command makes the")
                .append(" `ISCardFileAccess` calls of the shell's `FileCommands` (open, the open file's FCP, read or")
                .append(" write in 256-byte pieces, close; `ls`: listing, DFs, each file's FCP) through a fresh file access,")
                .append(" the current directory given in brackets. \"Before\" is the same program at commit")
                .append(" `f3d4275`, when every call selected its file again and a listing without LIST FILES")
                .append(" selected every file identifier (its `ls` listed twice: all files, then the DFs).\n\n")
                .append("| command | before | after |\n|---|---:|---:|\n");
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            Integer before = BEFORE.get(entry.getKey());
            text.append("| `scard:").append(entry.getKey()).append("` | ").append(before == null ? "-" : before)
                    .append(" | ").append(entry.getValue()).append(" |\n");
        }
        Path results = Path.of(args[0]);
        Files.createDirectories(results);
        Files.writeString(results.resolve("apdu-counts.md"), text.toString(), StandardCharsets.UTF_8);
        System.out.print(text);
    }

    /** The APDU count of every command, in table order. */
    static Map<String, Integer> measure() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        SimulatorBackend backend = SimulatorBackend.standalone(List.of(READER));
        CardManager manager = new CardManager(backend, new HandleTable());
        try {
            backend.insert(READER);
            manager.attachByIfd(READER);
            count(counts, manager, "cat 2F01", null, files -> cat(files, "2F01"));
            count(counts, manager, "cat 2F00", null, files -> cat(files, "2F00"));
            count(counts, manager, "cat 3F00/5015/5032", null, files -> cat(files, "3F00/5015/5032"));
            count(counts, manager, "cat 3F00/5015/4401", null, files -> cat(files, "3F00/5015/4401"));
            count(counts, manager, "update 3F00/5015/5032 1", null,
                    files -> update(files, "3F00/5015/5032", 0, "cyclic 1".getBytes(StandardCharsets.US_ASCII)));
            count(counts, manager, "info 2F01", null, files -> info(files, "2F01"));
            count(counts, manager, "info 3F00/5015", null, files -> info(files, "3F00/5015"));
            count(counts, manager, "ls (3F00)", null, ApduCountBenchmark::ls);
            count(counts, manager, "ls (3F00/5015)", "3F00/5015", ApduCountBenchmark::ls);
            count(counts, manager, "ls (3F00), card without LIST FILES", null, NO_LIST_FILES, ApduCountBenchmark::ls);
            count(counts, manager, "ls (3F00/5015), card without LIST FILES", "3F00/5015", NO_LIST_FILES,
                    ApduCountBenchmark::ls);
        } finally {
            manager.dispose("benchmark finished");
            backend.close();
        }
        return counts;
    }

    /** The card plays one without LIST FILES: {@code 80 16} is answered {@code 6D00}. */
    private static final boolean NO_LIST_FILES = true;

    private static void count(Map<String, Integer> counts, CardManager manager, String name, String cd,
            Consumer<ISCardFileAccess> command) {
        count(counts, manager, name, cd, false, command);
    }

    /**
     * Runs one command through a fresh, counting file access (after {@code cd} when given) under the lock; with
     * {@code noListFiles} the card answers LIST FILES {@code 6D00}.
     */
    private static void count(Map<String, Integer> counts, CardManager manager, String name, String cd,
            boolean noListFiles, Consumer<ISCardFileAccess> command) {
        Counting counting = new Counting(manager, noListFiles);
        current = counting;
        ISCardFileAccess files = (ISCardFileAccess) new FileAccessFactory().create(counting, null);
        if (cd != null) {
            files.changeDir(RefType.BY_ID, cd);
        }
        int start = counting.apdus;
        manager.lock();
        try {
            command.accept(files);
        } finally {
            manager.unlock();
        }
        counts.put(name, counting.apdus - start);
    }

    private static boolean isRecordFile(List<Tlv> fcp) {
        for (Tlv entry : fcp) {
            if (entry.tag() == 0x82 && entry.valid() && entry.value().length > 0) {
                int structure = entry.value()[0] & 0x07;
                return structure >= 2 && (entry.value()[0] & 0x38) != 0x38;
            }
        }
        return false;
    }

    private static long size(List<Tlv> fcp) {
        for (Tlv entry : fcp) {
            if (entry.tag() == 0x80 && entry.valid()) {
                long size = 0;
                for (byte b : entry.value()) {
                    size = (size << 8) | (b & 0xFF);
                }
                return size;
            }
        }
        return -1;
    }

    /** {@code scard:cat path}: open, the FCP of the open file, every record or the content in pieces, close. */
    static void cat(ISCardFileAccess files, String path) {
        long handle = files.open(RefType.BY_ANY, path);
        try {
            List<Tlv> fcp = files.getFileCapabilities(List.of(), SCardFlag.NONE);
            if (isRecordFile(fcp)) {
                for (int record = 1; record <= 254; record++) {
                    try {
                        files.read(handle, 0, SCardFlag.NONE);
                    } catch (SCardException e) {
                        if (e.code() == HResult.SCARD_W_EOF) {
                            break;
                        }
                        throw e;
                    }
                }
                return;
            }
            long size = size(fcp);
            long done = 0;
            while (size < 0 || done < size) {
                int want = size < 0 ? READ_CHUNK : (int) Math.min(READ_CHUNK, size - done);
                byte[] chunk;
                try {
                    chunk = files.read(handle, want, SCardFlag.NONE);
                } catch (SCardException e) {
                    if (e.code() == HResult.SCARD_W_EOF) {
                        break;
                    }
                    throw e;
                }
                if (chunk.length == 0) {
                    break;
                }
                done += chunk.length;
            }
        } finally {
            files.close(handle);
        }
    }

    /** {@code scard:update path position hex}: open, the FCP of the open file, seek, write, close. */
    static void update(ISCardFileAccess files, String path, long position, byte[] data) {
        long handle = files.open(RefType.BY_ANY, path);
        try {
            files.getFileCapabilities(List.of(), SCardFlag.NONE);
            files.seek(handle, SeekOrigin.FROM_BEGINNING, position);
            files.write(handle, data, SCardFlag.NONE);
        } finally {
            files.close(handle);
        }
    }

    /** {@code scard:info path}: the FCP. */
    static void info(ISCardFileAccess files, String path) {
        files.getProperties(RefType.BY_ANY, path, SCardFlag.NONE);
    }

    /**
     * {@code scard:ls}: the listing, whether the card has LIST FILES (asked through the manager, as the shell does, to
     * say whether the listing may be incomplete), each file's FCP.
     */
    static void ls(ISCardFileAccess files) {
        List<String> names = files.directory(FileType.ALL_FILES);
        files.getCurrentDir();
        current.transmit(new byte[] {(byte) 0x80, 0x16, 0x00, 0x00, 0x00});
        for (String name : names) {
            try {
                files.getProperties(RefType.BY_ANY, name, SCardFlag.NONE);
            } catch (SCardException e) {
                // the shell prints the code in the row
            }
        }
    }

    /** The counting manager of the command being counted (the shell's manager, for its own APDUs). */
    private static Counting current;

    /**
     * A manager that counts the APDUs it passes on to the card (the one the services are created over); it can play a
     * card without LIST FILES.
     */
    static final class Counting implements ISCardManage {
        private final ISCardManage manager;
        private final boolean noListFiles;
        int apdus;

        Counting(ISCardManage manager, boolean noListFiles) {
            this.manager = manager;
            this.noListFiles = noListFiles;
        }

        @Override
        public byte[] transmit(byte[] commandApdu) {
            apdus++;
            if (noListFiles && commandApdu.length >= 2 && commandApdu[0] == (byte) 0x80 && commandApdu[1] == 0x16) {
                return new byte[] {0x6D, 0x00};
            }
            return manager.transmit(commandApdu);
        }

        @Override
        public void attachByHandle(long handle) {
            manager.attachByHandle(handle);
        }

        @Override
        public void attachByHandle(CardHandle handle) {
            manager.attachByHandle(handle);
        }

        @Override
        public void attachByIfd(String readerName) {
            manager.attachByIfd(readerName);
        }

        @Override
        public void attachByIfd(String readerName, ShareMode shareMode) {
            manager.attachByIfd(readerName, shareMode);
        }

        @Override
        public void attachByIfd(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
            manager.attachByIfd(readerName, shareMode, preferredProtocols);
        }

        @Override
        public void detach() {
            manager.detach();
        }

        @Override
        public void reconnect() {
            manager.reconnect();
        }

        @Override
        public void reconnect(Disposition initialization) {
            manager.reconnect(initialization);
        }

        @Override
        public void lock() {
            manager.lock();
        }

        @Override
        public void lock(Duration timeout) {
            manager.lock(timeout);
        }

        @Override
        public void unlock() {
            manager.unlock();
        }

        @Override
        public void unlock(Disposition disposition) {
            manager.unlock(disposition);
        }

        @Override
        public CardStatus status() {
            return manager.status();
        }

        @Override
        public boolean isAttached() {
            return manager.isAttached();
        }

        @Override
        public boolean isLocked() {
            return manager.isLocked();
        }

        @Override
        public ISCardFileAccess createFileAccess() {
            return manager.createFileAccess();
        }

        @Override
        public ISCardVerify createCHVerification() {
            return manager.createCHVerification();
        }

        @Override
        public ISCardAuth createCardAuth() {
            return manager.createCardAuth();
        }

        @Override
        public Object createInterface(UUID interfaceId, String name, Object userData) {
            return manager.createInterface(interfaceId, name, userData);
        }
    }
}
