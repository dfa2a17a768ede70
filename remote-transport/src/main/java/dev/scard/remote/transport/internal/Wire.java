package dev.scard.remote.transport.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The wire format of {@code scard.tcp}, written once for both ends.
 *
 * <p>A connection carries one call at a time: the client writes a request frame, the server answers with one
 * response frame. A frame is a 4-byte big-endian length and that many bytes (at most {@link #MAX_FRAME_BYTES}).
 * A request is the endpoint's key and the method's {@linkplain #methodKey key} (two modified-UTF-8 strings) followed by
 * the arguments as one Java-serialized {@code Object[]}. A response is one status byte ({@link #OK}, {@link #THROWN},
 * {@link #FAILED}) followed by the serialized result, the serialized exception the service threw, or a
 * modified-UTF-8 message.
 *
 * <p>Every serialized part is read with a stream of its own and the {@link #ALLOW_LIST} filter, whose limits
 * therefore hold per message; since a frame is always read whole before it is decoded, a refused part leaves the
 * connection at the next frame, usable.
 */
final class Wire {

    /** The largest frame either end writes or reads: 4 MiB (an extended APDU of 65,544 bytes fits many times). */
    static final int MAX_FRAME_BYTES = 4 * 1024 * 1024;

    /** Response status: the call returned; the serialized result follows. */
    static final byte OK = 0;
    /** Response status: the service threw; the serialized exception follows. */
    static final byte THROWN = 1;
    /** Response status: the call could not be made or answered; a message follows. */
    static final byte FAILED = 2;

    /**
     * What may be deserialized, on both ends, in the JDK's filter syntax: the contract's API and the remote API
     * (values, enums, {@code SCardException}), strings, boxed primitives, enums, arrays of these and of primitives,
     * and the parts of an exception (stack trace, the empty suppressed list); with limits on depth, references,
     * bytes and array length per message. Everything else is refused.
     */
    static final String LIMITS = String.join(";",
            "maxdepth=20", "maxrefs=10000", "maxbytes=" + MAX_FRAME_BYTES, "maxarray=" + (MAX_FRAME_BYTES / 4));

    /** The classes of the {@link #ALLOW_LIST}. */
    static final String CLASSES = String.join(";",
            "dev.scard.api.*", "dev.scard.remote.api.*",
            "java.lang.Object", "java.lang.String", "java.lang.Enum", "java.lang.Number", "java.lang.Boolean",
            "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long", "java.lang.Character",
            "java.lang.Float", "java.lang.Double",
            "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.StackTraceElement",
            "java.util.Collections$EmptyList",
            "!*");

    /**
     * What may be deserialized, on both ends, in the JDK's filter syntax: the contract's API and the remote API
     * (values, enums, {@code SCardException}), strings, boxed primitives, enums, arrays of these and of primitives,
     * and the parts of an exception (stack trace, the empty suppressed list); with limits on depth, references,
     * bytes and array length per message. Everything else is refused.
     */
    static final String ALLOW_LIST = LIMITS + ";" + CLASSES;

    private static final ObjectInputFilter CLASS_FILTER = ObjectInputFilter.Config.createFilter(CLASSES);
    private static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(ALLOW_LIST);

    private Wire() {
    }

    /**
     * The key of a method in requests: its name and parameter types, e.g.
     * {@code transmit(dev.scard.remote.api.SessionToken,[B)}.
     */
    static String methodKey(Method method) {
        return method.getName() + Arrays.stream(method.getParameterTypes()).map(Class::getName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    /** Writes one frame. */
    static void writeFrame(DataOutputStream out, byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @throws EOFException when the stream ends before the frame begins or in it
     * @throws IOException for a frame longer than {@link #MAX_FRAME_BYTES} (the connection is then unusable)
     */
    static byte[] readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME_BYTES) {
            throw new IOException("a frame of " + length + " bytes (at most " + MAX_FRAME_BYTES + " are allowed)");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        return frame;
    }

    /** Serializes {@code value}. */
    static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * Deserializes one object from {@code in} with the {@link #ALLOW_LIST}, resolving classes through {@code loader}.
     *
     * @throws InvalidClassException naming the class (or the limit) the allow-list refused ({@link #refusal})
     * @throws ClassNotFoundException for a class {@code loader} does not see
     */
    static Object deserialize(InputStream in, ClassLoader loader) throws IOException, ClassNotFoundException {
        try (FilteredInput objects = new FilteredInput(in, loader)) {
            return objects.readChecked();
        }
    }

    /** Deserializes {@code bytes} as {@link #deserialize(InputStream, ClassLoader)} does. */
    static Object deserialize(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        return deserialize(new ByteArrayInputStream(bytes), loader);
    }

    /** A response frame: the status byte and the serialized payload. */
    static byte[] response(byte status, byte[] payload) {
        byte[] frame = new byte[payload.length + 1];
        frame[0] = status;
        System.arraycopy(payload, 0, frame, 1, payload.length);
        return frame;
    }

    /** A {@link #FAILED} response frame with {@code message}. */
    static byte[] failure(String message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + message.length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FAILED);
            out.writeUTF(message.length() > 2000 ? message.substring(0, 2000) : message);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** A request frame. */
    static byte[] request(String endpointKey, String methodKey, Object[] args) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(endpointKey);
        out.writeUTF(methodKey);
        writeObject(out, args == null ? new Object[0] : args);
        return bytes.toByteArray();
    }

    private static void writeObject(OutputStream out, Object value) throws IOException {
        ObjectOutputStream objects = new ObjectOutputStream(out);
        objects.writeObject(value);
        objects.flush();
    }

    /** Why a deserialization failed, in words, naming only classes and limits (never values). */
    static String refusal(Exception e) {
        if (e instanceof Refused) {
            return e.getMessage();
        }
        if (e instanceof InvalidClassException invalid) {
            return "refused by the allow-list of remote calls (" + invalid.getMessage() + ")";
        }
        if (e instanceof ClassNotFoundException) {
            return "class " + e.getMessage() + " is not visible here";
        }
        return "unreadable (" + e.getClass().getName() + ")";
    }

    /** What the allow-list refused, in words. */
    private static String refused(ObjectInputFilter.FilterInfo info) {
        Class<?> type = info.serialClass();
        if (type != null && CLASS_FILTER.checkInput(info) == ObjectInputFilter.Status.REJECTED) {
            while (type.isArray()) {
                type = type.getComponentType();
            }
            return type.getName() + " is not in the allow-list of remote calls";
        }
        return "beyond the limits of the allow-list of remote calls (" + LIMITS + "): depth " + info.depth()
                + ", references " + info.references() + ", bytes " + info.streamBytes() + ", array length "
                + info.arrayLength();
    }

    /** A refusal of the allow-list, its message naming what was refused. */
    private static final class Refused extends InvalidClassException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason);
        }
    }

    /** An object stream with the allow-list and a class loader of its own; no proxy classes. */
    private static final class FilteredInput extends ObjectInputStream {
        private final ClassLoader loader;
        private String reason;

        FilteredInput(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
            setObjectInputFilter(info -> {
                ObjectInputFilter.Status status = FILTER.checkInput(info);
                if (status == ObjectInputFilter.Status.REJECTED && reason == null) {
                    reason = refused(info);
                }
                return status;
            });
        }

        Object readChecked() throws IOException, ClassNotFoundException {
            try {
                return readObject();
            } catch (InvalidClassException e) {
                if (reason != null) {
                    Refused refused = new Refused(reason);
                    refused.initCause(e);
                    throw refused;
                }
                throw e;
            }
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws IOException {
            throw new InvalidClassException("a proxy class", "proxies are not allowed in remote calls");
        }
    }

    /** Reads a request's endpoint key and method key from {@code in}, leaving the arguments to be read. */
    static String[] readRequestHeader(DataInputStream in) throws IOException {
        return new String[] {in.readUTF(), in.readUTF()};
    }
}
