package dev.scard.pcsc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * {@link PcscApi} bound to the platform's PC/SC library through JNA's dynamic function calls: every argument and
 * out parameter gets the size {@link PcscPlatform} gives its C type (a {@code DWORD} is 8 bytes on 64-bit
 * pcsc-lite, 4 bytes elsewhere; handles are pointer-sized on Windows), structures are laid out by hand from the
 * platform's offsets, and strings are passed as bytes in the platform's encoding.
 *
 * <p>The library stays loaded once loaded: JNA shares loaded libraries within the JVM, and pcsc-lite keeps
 * process-wide state, so unloading it under another user would be unsafe.
 */
final class JnaPcscApi implements PcscApi {

    /** Largest command APDU: header, three-byte Lc, 65,535 data bytes, two-byte Le. */
    static final int MAX_COMMAND = 4 + 3 + 65_535 + 2;
    /** Largest answer: 65,536 data bytes and the status word. */
    static final int MAX_RESPONSE = 65_536 + 2;

    /** How many reader names are kept in native memory for SCardConnect (a system has a handful of readers). */
    private static final int MAX_CACHED_NAMES = 64;

    private final PcscPlatform platform;
    private final String description;
    /** Reader names as C strings, kept for SCardConnect: allocating one per call costs more than the call's JNA part. */
    private final ConcurrentHashMap<String, Memory> readerNames = new ConcurrentHashMap<>();
    /** Per-thread native memory for SCardConnect's two out parameters (a handle and a DWORD, 8 bytes each at most). */
    private final ThreadLocal<Memory> connectOut = ThreadLocal.withInitial(() -> new Memory(16));
    private final PcscMarshal marshal;
    private final Function establishContext;
    private final Function releaseContext;
    private final Function isValidContext;
    private final Function listReaders;
    private final Function getStatusChange;
    private final Function cancel;
    private final Function connect;
    private final Function reconnect;
    private final Function disconnect;
    private final Function beginTransaction;
    private final Function endTransaction;
    private final Function status;
    private final Function transmit;
    private final Function getAttrib;

    private JnaPcscApi(PcscPlatform platform, NativeLibrary library, String description) {
        this.platform = platform;
        this.description = description;
        this.marshal = new PcscMarshal(platform);
        establishContext = function(library, "SCardEstablishContext", false);
        releaseContext = function(library, "SCardReleaseContext", false);
        isValidContext = function(library, "SCardIsValidContext", false);
        listReaders = function(library, "SCardListReaders", true);
        getStatusChange = function(library, "SCardGetStatusChange", true);
        cancel = function(library, "SCardCancel", false);
        connect = function(library, "SCardConnect", true);
        reconnect = function(library, "SCardReconnect", false);
        disconnect = function(library, "SCardDisconnect", false);
        beginTransaction = function(library, "SCardBeginTransaction", false);
        endTransaction = function(library, "SCardEndTransaction", false);
        status = function(library, "SCardStatus", true);
        transmit = function(library, "SCardTransmit", false);
        getAttrib = function(library, "SCardGetAttrib", false);
    }

    /**
     * Loads the PC/SC library and looks up every function.
     *
     * @param platform the running platform
     * @param libraryPath the library to load; null or blank for the platform's default
     * @throws UnsatisfiedLinkError when the library or one of its functions cannot be found (also when JNA's own
     *         native part cannot be loaded)
     */
    static JnaPcscApi load(PcscPlatform platform, String libraryPath) {
        String library = libraryPath == null || libraryPath.isBlank() ? platform.defaultLibrary() : libraryPath.trim();
        try {
            return new JnaPcscApi(platform, NativeLibrary.getInstance(library), library);
        } catch (NoClassDefFoundError | ExceptionInInitializerError e) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError("JNA cannot load its native part: " + e);
            error.initCause(e);
            throw error;
        }
    }

    private Function function(NativeLibrary library, String name, boolean takesStrings) {
        String exported = platform.functionName(name, takesStrings);
        return platform.stdcall() ? library.getFunction(exported, Function.ALT_CONVENTION)
                : library.getFunction(exported);
    }

    @Override
    public PcscPlatform platform() {
        return platform;
    }

    @Override
    public String description() {
        return description;
    }

    /** Calls a function that returns {@code LONG}; the code is its low 32 bits (the values are 32-bit). */
    private int call(Function function, Object... args) {
        return platform.longSize() == 8 ? (int) function.invokeLong(args) : function.invokeInt(args);
    }

    // ---------------------------------------------------------------- the functions

    @Override
    public int establishContext(long[] context) {
        Memory out = marshal.handleMemory();
        int code = call(establishContext, marshal.dword(PcscPlatform.SCOPE_SYSTEM), null, null, out);
        if (code == PcscErrors.SUCCESS) {
            context[0] = marshal.readHandle(out);
        }
        return code;
    }

    @Override
    public int releaseContext(long context) {
        return call(releaseContext, marshal.handle(context));
    }

    @Override
    public int isValidContext(long context) {
        return call(isValidContext, marshal.handle(context));
    }

    @Override
    public int listReaders(long context, List<String> names) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Memory length = marshal.dwordMemory(0);
            int code = call(listReaders, marshal.handle(context), null, null, length);
            if (code != PcscErrors.SUCCESS) {
                return code;
            }
            long size = marshal.readDword(length, 0);
            if (size <= 0 || size > 1 << 20) {
                return PcscErrors.SUCCESS; // nothing listed
            }
            Memory buffer = new Memory(size);
            buffer.clear();
            code = call(listReaders, marshal.handle(context), null, buffer, length);
            if (code == PcscErrors.E_INSUFFICIENT_BUFFER) {
                continue; // a reader was added between the two calls
            }
            if (code != PcscErrors.SUCCESS) {
                return code;
            }
            names.addAll(marshal.multiString(buffer.getByteArray(0,
                    (int) Math.min(size, marshal.readDword(length, 0)))));
            return PcscErrors.SUCCESS;
        }
        return PcscErrors.E_INSUFFICIENT_BUFFER;
    }

    @Override
    public int getStatusChange(long context, int timeoutMillis, ReaderState[] readers) {
        List<Memory> names = new ArrayList<>(readers.length);
        Memory states = marshal.readerStates(readers, names);
        int code = call(getStatusChange, marshal.handle(context),
                marshal.dword(timeoutMillis == INFINITE ? 0xFFFF_FFFFL : timeoutMillis), states,
                marshal.dword(readers.length));
        if (code == PcscErrors.SUCCESS) {
            marshal.readReaderStates(states, readers);
        }
        names.clear(); // reachable until here, so the names lived through the call
        return code;
    }

    @Override
    public int cancel(long context) {
        return call(cancel, marshal.handle(context));
    }

    @Override
    public int connect(long context, String readerName, int shareMode, int preferredProtocols, long[] out) {
        Memory outs = connectOut.get();
        outs.clear();
        Pointer card = outs.share(0, 8);
        Pointer protocol = outs.share(8, 8);
        int code = call(connect, marshal.handle(context), readerName(readerName), marshal.dword(shareMode),
                marshal.dword(preferredProtocols), card, protocol);
        if (code == PcscErrors.SUCCESS) {
            out[0] = marshal.readHandle(card);
            out[1] = marshal.readDword(protocol, 0);
        }
        return code;
    }

    /** The reader's name as a C string: cached for the few readers a system has, else a new copy. */
    private Memory readerName(String name) {
        Memory cached = readerNames.get(name);
        if (cached != null) {
            return cached;
        }
        Memory copy = marshal.cString(name);
        if (readerNames.size() < MAX_CACHED_NAMES) {
            Memory raced = readerNames.putIfAbsent(name, copy);
            return raced != null ? raced : copy;
        }
        return copy;
    }

    @Override
    public int reconnect(long handle, int shareMode, int preferredProtocols, int initialization,
            long[] activeProtocol) {
        Memory protocol = marshal.dwordMemory(0);
        int code = call(reconnect, marshal.handle(handle), marshal.dword(shareMode), marshal.dword(preferredProtocols),
                marshal.dword(initialization), protocol);
        if (code == PcscErrors.SUCCESS) {
            activeProtocol[0] = marshal.readDword(protocol, 0);
        }
        return code;
    }

    @Override
    public int disconnect(long handle, int disposition) {
        return call(disconnect, marshal.handle(handle), marshal.dword(disposition));
    }

    @Override
    public int beginTransaction(long handle) {
        return call(beginTransaction, marshal.handle(handle));
    }

    @Override
    public int endTransaction(long handle, int disposition) {
        return call(endTransaction, marshal.handle(handle), marshal.dword(disposition));
    }

    @Override
    public int status(long handle, StatusResult out) {
        int atrCapacity = 40;
        Memory readerLength = marshal.dwordMemory(0);
        Memory state = marshal.dwordMemory(0);
        Memory protocol = marshal.dwordMemory(0);
        Memory atr = new Memory(atrCapacity);
        atr.clear();
        Memory atrLength = marshal.dwordMemory(atrCapacity);
        int code = call(status, marshal.handle(handle), null, readerLength, state, protocol, atr, atrLength);
        if (code == PcscErrors.SUCCESS) {
            out.state = marshal.readDword(state, 0);
            out.protocol = marshal.readDword(protocol, 0);
            out.atr = atr.getByteArray(0, (int) Math.min(atrCapacity, marshal.readDword(atrLength, 0)));
        }
        return code;
    }

    @Override
    public TransmitBuffer newTransmitBuffer() {
        return new JnaTransmitBuffer(platform);
    }

    @Override
    public int transmit(long handle, int activeProtocol, byte[] command, TransmitBuffer buffer) {
        JnaTransmitBuffer buffers = (JnaTransmitBuffer) buffer;
        if (command.length > MAX_COMMAND) {
            return PcscErrors.E_INSUFFICIENT_BUFFER;
        }
        marshal.writeIoRequest(buffers.pci, activeProtocol);
        Memory send = buffers.send(command.length);
        send.write(0, command, 0, command.length);
        marshal.writeDword(buffers.receiveLength, 0, MAX_RESPONSE);
        buffers.length = 0;
        int code = call(transmit, marshal.handle(handle), buffers.pci, send, marshal.dword(command.length), null,
                buffers.receive, buffers.receiveLength);
        if (code == PcscErrors.SUCCESS) {
            buffers.length = (int) Math.min(MAX_RESPONSE, marshal.readDword(buffers.receiveLength, 0));
        }
        return code;
    }

    @Override
    public int getAttrib(long handle, int attribute, byte[][] value) {
        int capacity = 264;
        Memory buffer = new Memory(capacity);
        Memory length = marshal.dwordMemory(capacity);
        int code = call(getAttrib, marshal.handle(handle), marshal.dword(attribute), buffer, length);
        if (code == PcscErrors.SUCCESS) {
            value[0] = buffer.getByteArray(0, (int) Math.min(capacity, marshal.readDword(length, 0)));
        }
        return code;
    }

    /** Native memory for one connection's APDUs: the command grows as needed, the answer takes the largest one. */
    static final class JnaTransmitBuffer implements TransmitBuffer {
        final Memory pci;
        final Memory receive = new Memory(MAX_RESPONSE);
        final Memory receiveLength;
        private Memory send = new Memory(261);
        int length;

        JnaTransmitBuffer(PcscPlatform platform) {
            pci = new Memory(platform.ioRequestSize());
            receiveLength = new Memory(platform.dwordSize());
        }

        Memory send(int size) {
            if (send.size() < size) {
                send.close();
                send = new Memory(Math.max(size, 2 * send.size()));
            }
            return send;
        }

        @Override
        public byte[] response() {
            return receive.getByteArray(0, length);
        }

        @Override
        public void close() {
            pci.close();
            receive.close();
            receiveLength.close();
            send.close();
        }
    }
}
