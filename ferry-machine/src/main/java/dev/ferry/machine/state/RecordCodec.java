package dev.ferry.machine.state;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Binary encoding of state records, driven by reflection over their components so that a component's state
 * record is all it has to declare. Encodes each component in declaration order, big-endian, with no names or
 * tags: {@code boolean} and {@code byte} as 1 byte, {@code short}/{@code char} 2, {@code int}/{@code float}
 * 4, {@code long}/{@code double} 8 (floating point as raw bits); {@code String} as a 4-byte length and UTF-8;
 * {@code boolean[]}, {@code byte[]}, {@code int[]}, {@code long[]} and {@code List<T>} as a 4-byte count and
 * the elements; enums by constant name; nested records inline. {@code null} is not encodable.
 *
 * <p>The encoding is deterministic: equal state gives equal bytes, which {@link StateHasher} relies on.
 * Decoding checks every length against the bytes that remain before allocating, limits nesting depth, rejects
 * trailing bytes, and reports any problem as a {@link StateFormatException}, so hostile input cannot exhaust
 * memory or loop. Since the encoding carries no names, {@link #fingerprint} summarizes a record's layout for
 * the file format to detect a record that changed shape between builds.
 */
public final class RecordCodec {

    /** Deepest nesting of records and lists that decoding accepts. */
    public static final int MAX_DEPTH = 64;
    /** Longest list of zero-size elements (empty records) that decoding accepts. */
    static final int MAX_EMPTY_ELEMENTS = 1 << 20;

    private static final ClassValue<RecordType> TYPES = new ClassValue<>() {
        @Override
        protected RecordType computeValue(Class<?> type) {
            return new RecordType(type);
        }
    };

    private static final ClassValue<Long> FINGERPRINTS = new ClassValue<>() {
        @Override
        protected Long computeValue(Class<?> type) {
            return computeFingerprint(type);
        }
    };

    private RecordCodec() {
    }

    /**
     * Encodes {@code record}.
     *
     * @throws IllegalArgumentException if a component is {@code null}, of an unsupported type, or a string is
     *                                  not valid Unicode
     */
    public static byte[] encode(Record record) {
        if (record == null) {
            throw new IllegalArgumentException("cannot encode a null record");
        }
        Writer out = new Writer();
        typeOf(record.getClass()).write(out, record, record.getClass().getSimpleName());
        return out.toByteArray();
    }

    /**
     * Decodes a {@code type} record from all of {@code bytes}.
     *
     * @throws StateFormatException if the bytes are not exactly one valid encoding of {@code type}
     * @throws IllegalArgumentException if {@code type} has a component of an unsupported type
     */
    public static <R extends Record> R decode(byte[] bytes, Class<R> type) throws StateFormatException {
        RecordType rt = typeOf(type);
        Reader in = new Reader(bytes);
        Object value;
        try {
            value = rt.read(in, 0);
            if (in.remaining() != 0) {
                throw new StateFormatException(in.remaining() + " unexpected bytes after the record");
            }
        } catch (StateFormatException e) {
            throw new StateFormatException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        return type.cast(value);
    }

    /**
     * A description of {@code type}'s layout: component names and types, nested records expanded. Two record
     * types with the same layout encode the same way.
     */
    public static String layout(Class<? extends Record> type) {
        StringBuilder sb = new StringBuilder();
        typeOf(type).describe(sb, new HashSet<>());
        return sb.toString();
    }

    /** The first 8 bytes of the SHA-256 of {@link #layout}, as a number (computed once per type). */
    public static long fingerprint(Class<? extends Record> type) {
        typeOf(type);
        return FINGERPRINTS.get(type);
    }

    @SuppressWarnings("unchecked")
    private static long computeFingerprint(Class<?> type) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(layout((Class<? extends Record>) type)
                    .getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static RecordType typeOf(Class<?> type) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record");
        }
        return TYPES.get(type);
    }

    // ---------------------------------------------------------------- codecs

    /** Encoding of one Java type. */
    private interface Codec {
        void write(Writer out, Object value, String path);

        Object read(Reader in, int depth) throws StateFormatException;

        /** A lower bound of the encoded size, for checking counts before allocating. */
        int minSize();

        void describe(StringBuilder sb, Set<Class<?>> open);
    }

    private record Fixed(String name, int size, FixedWriter writer, FixedReader reader) implements Codec {
        @Override
        public void write(Writer out, Object value, String path) {
            writer.write(out, value);
        }

        @Override
        public Object read(Reader in, int depth) throws StateFormatException {
            return reader.read(in);
        }

        @Override
        public int minSize() {
            return size;
        }

        @Override
        public void describe(StringBuilder sb, Set<Class<?>> open) {
            sb.append(name);
        }
    }

    @FunctionalInterface
    private interface FixedWriter {
        void write(Writer out, Object value);
    }

    @FunctionalInterface
    private interface FixedReader {
        Object read(Reader in) throws StateFormatException;
    }

    private static final Codec BOOLEAN = new Fixed("boolean", 1,
            (out, v) -> out.u8((Boolean) v ? 1 : 0), Reader::bool);
    private static final Codec BYTE = new Fixed("byte", 1, (out, v) -> out.u8((Byte) v), in -> (byte) in.u8());
    private static final Codec SHORT = new Fixed("short", 2, (out, v) -> out.u16((Short) v), in -> (short) in.u16());
    private static final Codec CHAR = new Fixed("char", 2, (out, v) -> out.u16((Character) v), in -> (char) in.u16());
    private static final Codec INT = new Fixed("int", 4, (out, v) -> out.i32((Integer) v), Reader::i32);
    private static final Codec LONG = new Fixed("long", 8, (out, v) -> out.i64((Long) v), Reader::i64);
    private static final Codec FLOAT = new Fixed("float", 4,
            (out, v) -> out.i32(Float.floatToRawIntBits((Float) v)), in -> Float.intBitsToFloat(in.i32()));
    private static final Codec DOUBLE = new Fixed("double", 8,
            (out, v) -> out.i64(Double.doubleToRawLongBits((Double) v)), in -> Double.longBitsToDouble(in.i64()));

    private static final Codec STRING = new Codec() {
        @Override
        public void write(Writer out, Object value, String path) {
            ByteBuffer encoded;
            try {
                encoded = StandardCharsets.UTF_8.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap((String) value));
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(path + " is not valid Unicode", e);
            }
            byte[] utf8 = new byte[encoded.remaining()];
            encoded.get(utf8);
            out.i32(utf8.length);
            out.bytes(utf8, utf8.length);
        }

        @Override
        public Object read(Reader in, int depth) throws StateFormatException {
            int n = in.count(1);
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(in.take(n))).toString();
            } catch (CharacterCodingException e) {
                throw new StateFormatException("a string is not valid UTF-8");
            }
        }

        @Override
        public int minSize() {
            return 4;
        }

        @Override
        public void describe(StringBuilder sb, Set<Class<?>> open) {
            sb.append("String");
        }
    };

    private record PrimitiveArray(String name, int elementSize) implements Codec {
        @Override
        public void write(Writer out, Object value, String path) {
            switch (value) {
                case byte[] a -> {
                    out.i32(a.length);
                    out.bytes(a, a.length);
                }
                case boolean[] a -> {
                    out.i32(a.length);
                    for (boolean v : a) {
                        out.u8(v ? 1 : 0);
                    }
                }
                case int[] a -> {
                    out.i32(a.length);
                    for (int v : a) {
                        out.i32(v);
                    }
                }
                case long[] a -> {
                    out.i32(a.length);
                    for (long v : a) {
                        out.i64(v);
                    }
                }
                default -> throw new IllegalStateException(name);
            }
        }

        @Override
        public Object read(Reader in, int depth) throws StateFormatException {
            int n = in.count(elementSize);
            switch (name) {
                case "byte[]" -> {
                    return in.take(n);
                }
                case "boolean[]" -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = in.bool();
                    }
                    return a;
                }
                case "int[]" -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = in.i32();
                    }
                    return a;
                }
                default -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = in.i64();
                    }
                    return a;
                }
            }
        }

        @Override
        public int minSize() {
            return 4;
        }

        @Override
        public void describe(StringBuilder sb, Set<Class<?>> open) {
            sb.append(name);
        }
    }

    private record EnumCodec(Class<?> type) implements Codec {
        @Override
        public void write(Writer out, Object value, String path) {
            STRING.write(out, ((Enum<?>) value).name(), path);
        }

        @Override
        public Object read(Reader in, int depth) throws StateFormatException {
            String name = (String) STRING.read(in, depth);
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name)) {
                    return constant;
                }
            }
            throw new StateFormatException("unknown constant '" + name + "' of " + type.getSimpleName());
        }

        @Override
        public int minSize() {
            return 4;
        }

        @Override
        public void describe(StringBuilder sb, Set<Class<?>> open) {
            sb.append("enum");
        }
    }

    private record ListCodec(Codec element) implements Codec {
        @Override
        public void write(Writer out, Object value, String path) {
            List<?> list = (List<?>) value;
            out.i32(list.size());
            int i = 0;
            for (Object e : list) {
                String at = path + "[" + i++ + "]";
                if (e == null) {
                    throw new IllegalArgumentException(at + " is null");
                }
                element.write(out, e, at);
            }
        }

        @Override
        public Object read(Reader in, int depth) throws StateFormatException {
            if (depth >= MAX_DEPTH) {
                throw new StateFormatException("nesting deeper than " + MAX_DEPTH);
            }
            int n = in.count(element.minSize());
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(element.read(in, depth + 1));
            }
            return List.copyOf(list);
        }

        @Override
        public int minSize() {
            return 4;
        }

        @Override
        public void describe(StringBuilder sb, Set<Class<?>> open) {
            sb.append('[');
            element.describe(sb, open);
            sb.append(']');
        }
    }

    /** A nested record, resolved when first used so that a record may contain lists of itself. */
    private record RecordRef(Class<?> type) implements Codec {
        @Override
        public void write(Writer out, Object value, String path) {
            TYPES.get(type).write(out, value, path);
        }

        @Override
        public Object read(Reader in, int depth) throws StateFormatException {
            return TYPES.get(type).read(in, depth);
        }

        @Override
        public int minSize() {
            return TYPES.get(type).minSize();
        }

        @Override
        public void describe(StringBuilder sb, Set<Class<?>> open) {
            TYPES.get(type).describe(sb, open);
        }
    }

    private static Codec codecFor(Type type, String where) {
        if (type instanceof Class<?> c) {
            if (c == boolean.class) {
                return BOOLEAN;
            } else if (c == byte.class) {
                return BYTE;
            } else if (c == short.class) {
                return SHORT;
            } else if (c == char.class) {
                return CHAR;
            } else if (c == int.class) {
                return INT;
            } else if (c == long.class) {
                return LONG;
            } else if (c == float.class) {
                return FLOAT;
            } else if (c == double.class) {
                return DOUBLE;
            } else if (c == String.class) {
                return STRING;
            } else if (c == byte[].class) {
                return new PrimitiveArray("byte[]", 1);
            } else if (c == boolean[].class) {
                return new PrimitiveArray("boolean[]", 1);
            } else if (c == int[].class) {
                return new PrimitiveArray("int[]", 4);
            } else if (c == long[].class) {
                return new PrimitiveArray("long[]", 8);
            } else if (c.isEnum()) {
                return new EnumCodec(c);
            } else if (c.isRecord()) {
                return new RecordRef(c);
            }
        } else if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            Type arg = p.getActualTypeArguments()[0];
            if (!(arg instanceof Class<?> c && c.isPrimitive())) {
                return new ListCodec(codecFor(arg, where + " element"));
            }
        }
        throw new IllegalArgumentException("unsupported state type " + type.getTypeName() + " in " + where);
    }

    /** The components of one record class and how to take it apart and rebuild it. */
    private static final class RecordType {
        private final Class<?> type;
        private final String[] names;
        private final Method[] accessors;
        private final Codec[] codecs;
        private final Constructor<?> constructor;
        private volatile int minSize = -1;
        private boolean sizing;

        RecordType(Class<?> type) {
            this.type = type;
            RecordComponent[] components = type.getRecordComponents();
            names = new String[components.length];
            accessors = new Method[components.length];
            codecs = new Codec[components.length];
            Class<?>[] parameterTypes = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                RecordComponent rc = components[i];
                names[i] = rc.getName();
                accessors[i] = rc.getAccessor();
                accessors[i].setAccessible(true);
                codecs[i] = codecFor(rc.getGenericType(), type.getSimpleName() + "." + rc.getName());
                parameterTypes[i] = rc.getType();
            }
            try {
                constructor = type.getDeclaredConstructor(parameterTypes);
                constructor.setAccessible(true);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getName() + " has no canonical constructor", e);
            }
        }

        void write(Writer out, Object record, String path) {
            for (int i = 0; i < codecs.length; i++) {
                String at = path + "." + names[i];
                Object value;
                try {
                    value = accessors[i].invoke(record);
                } catch (IllegalAccessException | InvocationTargetException e) {
                    throw new IllegalArgumentException("cannot read " + at, e);
                }
                if (value == null) {
                    throw new IllegalArgumentException(at + " is null");
                }
                codecs[i].write(out, value, at);
            }
        }

        Object read(Reader in, int depth) throws StateFormatException {
            if (depth >= MAX_DEPTH) {
                throw new StateFormatException("nesting deeper than " + MAX_DEPTH);
            }
            Object[] args = new Object[codecs.length];
            for (int i = 0; i < codecs.length; i++) {
                args[i] = codecs[i].read(in, depth + 1);
            }
            try {
                return constructor.newInstance(args);
            } catch (InvocationTargetException e) {
                throw new StateFormatException("invalid " + type.getSimpleName() + ": " + e.getCause().getMessage(),
                        e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot construct " + type.getName(), e);
            }
        }

        int minSize() {
            int size = minSize;
            if (size >= 0) {
                return size;
            }
            synchronized (this) {
                if (sizing) {
                    return 0;
                }
                sizing = true;
                try {
                    size = 0;
                    for (Codec c : codecs) {
                        size += c.minSize();
                    }
                } finally {
                    sizing = false;
                }
                minSize = size;
                return size;
            }
        }

        void describe(StringBuilder sb, Set<Class<?>> open) {
            if (!open.add(type)) {
                sb.append('^').append(type.getSimpleName());
                return;
            }
            sb.append('{');
            for (int i = 0; i < codecs.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(names[i]).append(':');
                codecs[i].describe(sb, open);
            }
            sb.append('}');
            open.remove(type);
        }
    }

    // ---------------------------------------------------------------- byte streams

    /** A growable big-endian byte buffer. */
    static final class Writer {
        private byte[] buf = new byte[64];
        private int len;

        private void ensure(int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
        }

        void u8(int v) {
            ensure(1);
            buf[len++] = (byte) v;
        }

        void u16(int v) {
            ensure(2);
            buf[len++] = (byte) (v >>> 8);
            buf[len++] = (byte) v;
        }

        void i32(int v) {
            ensure(4);
            for (int s = 24; s >= 0; s -= 8) {
                buf[len++] = (byte) (v >>> s);
            }
        }

        void i64(long v) {
            ensure(8);
            for (int s = 56; s >= 0; s -= 8) {
                buf[len++] = (byte) (v >>> s);
            }
        }

        void bytes(byte[] b, int n) {
            ensure(n);
            System.arraycopy(b, 0, buf, len, n);
            len += n;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, len);
        }
    }

    /** A bounds-checked big-endian reader. */
    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int remaining() {
            return buf.length - pos;
        }

        private void need(int n) throws StateFormatException {
            if (remaining() < n) {
                throw new StateFormatException("the data ends early");
            }
        }

        int u8() throws StateFormatException {
            need(1);
            return buf[pos++] & 0xff;
        }

        boolean bool() throws StateFormatException {
            int v = u8();
            if (v > 1) {
                throw new StateFormatException("invalid boolean " + v);
            }
            return v == 1;
        }

        int u16() throws StateFormatException {
            need(2);
            int v = (buf[pos] & 0xff) << 8 | buf[pos + 1] & 0xff;
            pos += 2;
            return v;
        }

        int i32() throws StateFormatException {
            need(4);
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v = v << 8 | buf[pos++] & 0xff;
            }
            return v;
        }

        long i64() throws StateFormatException {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | buf[pos++] & 0xff;
            }
            return v;
        }

        /** Reads a count of elements that each take at least {@code elementSize} bytes, and checks it fits. */
        int count(int elementSize) throws StateFormatException {
            int n = i32();
            long limit = elementSize == 0 ? MAX_EMPTY_ELEMENTS : remaining() / elementSize;
            if (n < 0 || n > limit) {
                throw new StateFormatException("length " + Integer.toUnsignedString(n) + " exceeds the data");
            }
            return n;
        }

        byte[] take(int n) throws StateFormatException {
            need(n);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }
    }
}
