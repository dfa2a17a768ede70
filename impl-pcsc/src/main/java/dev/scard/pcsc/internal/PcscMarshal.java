package dev.scard.pcsc.internal;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.scard.pcsc.internal.PcscApi.ReaderState;

/**
 * The platform's C types in JNA terms: arguments boxed to the size of their C type ({@code Long} for 8-byte,
 * {@code Integer} for 4-byte values), out parameters and structures in native memory laid out from
 * {@link PcscPlatform}'s sizes and offsets, strings in the platform's encoding. {@link JnaPcscApi} calls through it;
 * tests check it for every platform on any machine.
 */
final class PcscMarshal {

    private final PcscPlatform platform;
    private final Charset charset;

    PcscMarshal(PcscPlatform platform) {
        this.platform = platform;
        this.charset = platform.charset();
    }

    /** A {@code DWORD} argument of the platform's size. */
    Object dword(long value) {
        return platform.dwordSize() == 8 ? (Object) value : (Object) (int) value;
    }

    /** An {@code SCARDCONTEXT} or {@code SCARDHANDLE} argument of the platform's size. */
    Object handle(long value) {
        return platform.handleSize() == 8 ? (Object) value : (Object) (int) value;
    }

    /** A {@code DWORD} out parameter holding {@code value}. */
    Memory dwordMemory(long value) {
        Memory memory = new Memory(platform.dwordSize());
        writeDword(memory, 0, value);
        return memory;
    }

    /** A zeroed {@code SCARDCONTEXT} or {@code SCARDHANDLE} out parameter. */
    Memory handleMemory() {
        Memory memory = new Memory(platform.handleSize());
        memory.clear();
        return memory;
    }

    long readDword(Pointer pointer, long offset) {
        return platform.dwordSize() == 8 ? pointer.getLong(offset) : pointer.getInt(offset) & 0xFFFF_FFFFL;
    }

    void writeDword(Pointer pointer, long offset, long value) {
        if (platform.dwordSize() == 8) {
            pointer.setLong(offset, value);
        } else {
            pointer.setInt(offset, (int) value);
        }
    }

    long readHandle(Pointer pointer) {
        return platform.handleSize() == 8 ? pointer.getLong(0) : pointer.getInt(0);
    }

    /** A NUL-terminated copy of a string in the platform's encoding. */
    Memory cString(String value) {
        byte[] bytes = value.getBytes(charset);
        Memory memory = new Memory(bytes.length + 1L);
        memory.write(0, bytes, 0, bytes.length);
        memory.setByte(bytes.length, (byte) 0);
        return memory;
    }

    /** Fills an {@code SCARD_IO_REQUEST}: the protocol and the structure's own length. */
    void writeIoRequest(Pointer request, long protocol) {
        writeDword(request, 0, protocol & 0xFFFF_FFFFL);
        writeDword(request, platform.ioRequestLengthOffset(), platform.ioRequestSize());
    }

    /**
     * An {@code SCARD_READERSTATE} array for {@code readers} (name and current state set, the rest zero).
     *
     * @param names receives the memory of the reader names, which must stay reachable during the call
     */
    Memory readerStates(ReaderState[] readers, List<Memory> names) {
        int size = platform.readerStateSize();
        Memory states = new Memory((long) size * Math.max(1, readers.length));
        states.clear();
        for (int i = 0; i < readers.length; i++) {
            Memory name = cString(readers[i].readerName);
            names.add(name);
            long base = (long) i * size;
            states.setPointer(base + platform.readerStateNameOffset(), name);
            writeDword(states, base + platform.readerStateCurrentOffset(), readers[i].currentState & 0xFFFF_FFFFL);
        }
        return states;
    }

    /** Copies each entry's {@code dwEventState} and ATR out of an {@code SCARD_READERSTATE} array. */
    void readReaderStates(Pointer states, ReaderState[] readers) {
        int size = platform.readerStateSize();
        for (int i = 0; i < readers.length; i++) {
            long base = (long) i * size;
            readers[i].eventState = readDword(states, base + platform.readerStateEventOffset());
            int atrLength = (int) Math.min(platform.maxAtrSize(),
                    readDword(states, base + platform.readerStateAtrLengthOffset()));
            readers[i].atr = states.getByteArray(base + platform.readerStateAtrOffset(), Math.max(0, atrLength));
        }
    }

    /** The names in a multi-string ({@code "A\0B\0\0"}), in order. */
    List<String> multiString(byte[] bytes) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                if (i == start) {
                    break; // the empty string that ends the list
                }
                names.add(new String(bytes, start, i - start, charset));
                start = i + 1;
            }
        }
        return names;
    }
}
