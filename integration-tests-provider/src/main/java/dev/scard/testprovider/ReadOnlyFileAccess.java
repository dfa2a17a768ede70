package dev.scard.testprovider;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.Tlv;

/**
 * A deliberately small {@link ISCardFileAccess}: it opens transparent files by absolute path ({@code 3F00/...}) and
 * reads them with short READ BINARY commands; everything else fails with {@code E_NOTIMPL} naming this provider.
 * Its {@link #getCurrentDir()} answers {@code "3F00 (test provider)"} so a test can tell it from the generic one.
 */
final class ReadOnlyFileAccess implements ISCardFileAccess {
    private final ISCardManage manager;
    private final Map<Long, long[]> positions = new HashMap<>();
    private long next = 1;

    ReadOnlyFileAccess(ISCardManage manager) {
        this.manager = manager;
    }

    private static SCardException notImplemented(String method) {
        return new SCardException(HResult.E_NOTIMPL, method + " is not implemented by the test provider");
    }

    private byte[] send(byte[] command) {
        return manager.transmit(command);
    }

    private static int sw(byte[] response) {
        return ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
    }

    @Override
    public synchronized long open(RefType refType, String pathSpec) {
        if (pathSpec == null || !pathSpec.toUpperCase().startsWith("3F00/")) {
            throw new SCardException(HResult.E_INVALIDARG, "the test provider opens absolute paths only");
        }
        String[] parts = pathSpec.substring(5).split("/");
        byte[] command = new byte[5 + 2 * parts.length];
        command[1] = (byte) 0xA4;
        command[2] = 0x08;
        command[3] = 0x0C;
        command[4] = (byte) (2 * parts.length);
        for (int i = 0; i < parts.length; i++) {
            int fid = Integer.parseInt(parts[i], 16);
            command[5 + 2 * i] = (byte) (fid >> 8);
            command[6 + 2 * i] = (byte) fid;
        }
        int sw = sw(send(command));
        if (sw != 0x9000) {
            throw new SCardException(HResult.SCARD_E_FILE_NOT_FOUND, String.format("test provider: SELECT %s answered"
                    + " %04X", pathSpec, sw));
        }
        long handle = next++;
        positions.put(handle, new long[] {0});
        return handle;
    }

    @Override
    public synchronized byte[] read(long fileHandle, int bytesToRead, Set<SCardFlag> flags) {
        long[] position = positions.get(fileHandle);
        if (position == null) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "test provider: no file " + fileHandle);
        }
        int n = Math.min(Math.max(bytesToRead, 1), 256);
        byte[] response = send(new byte[] {0, (byte) 0xB0, (byte) (position[0] >> 8), (byte) position[0], (byte) n});
        int sw = sw(response);
        if (sw != 0x9000 && sw != 0x6282) {
            throw new SCardException(HResult.SCARD_W_EOF, String.format("test provider: READ BINARY answered %04X", sw));
        }
        byte[] data = Arrays.copyOf(response, response.length - 2);
        position[0] += data.length;
        return data;
    }

    @Override
    public synchronized void close(long fileHandle) {
        if (positions.remove(fileHandle) == null) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "test provider: no file " + fileHandle);
        }
    }

    @Override
    public String getCurrentDir() {
        if (!manager.isAttached()) {
            throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "test provider: the attachment has ended");
        }
        return "3F00 (test provider)";
    }

    @Override
    public void changeDir(RefType refType, String newDir) {
        throw notImplemented("ChangeDir");
    }

    @Override
    public void create(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags,
            byte[] initialData) {
        throw notImplemented("Create");
    }

    @Override
    public void delete(RefType refType, String pathSpec, Set<SCardFlag> flags) {
        throw notImplemented("Delete");
    }

    @Override
    public List<String> directory(FileType fileType) {
        throw notImplemented("Directory");
    }

    @Override
    public List<Tlv> getFileCapabilities(List<Tlv> query, Set<SCardFlag> flags) {
        throw notImplemented("GetFileCapabilities");
    }

    @Override
    public List<Tlv> getProperties(RefType refType, String pathSpec, Set<SCardFlag> flags, int... tags) {
        throw notImplemented("GetProperties");
    }

    @Override
    public void invalidate(String pathSpec, Set<SCardFlag> flags) {
        throw notImplemented("Invalidate");
    }

    @Override
    public void rehabilitate(String pathSpec, Set<SCardFlag> flags) {
        throw notImplemented("Rehabilitate");
    }

    @Override
    public long seek(long fileHandle, SeekOrigin origin, long offset) {
        throw notImplemented("Seek");
    }

    @Override
    public void setProperties(RefType refType, String pathSpec, List<Tlv> properties, Set<SCardFlag> flags) {
        throw notImplemented("SetProperties");
    }

    @Override
    public void write(long fileHandle, byte[] data, Set<SCardFlag> flags) {
        throw notImplemented("Write");
    }

    @Override
    public String toString() {
        return "test provider read-only ISCardFileAccess";
    }
}
