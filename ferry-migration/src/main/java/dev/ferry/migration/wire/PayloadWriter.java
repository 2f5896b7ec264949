package dev.ferry.migration.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds a frame payload: big-endian integers, length-prefixed byte strings and UTF-8 strings. */
public final class PayloadWriter {

    private final ByteArrayOutputStream out;

    /** An empty payload. */
    public PayloadWriter() {
        this(64);
    }

    /** An empty payload with room for {@code capacity} bytes. */
    public PayloadWriter(int capacity) {
        out = new ByteArrayOutputStream(capacity);
    }

    /** Appends one byte. */
    public PayloadWriter u8(int v) {
        out.write(v);
        return this;
    }

    /** Appends a boolean as one byte. */
    public PayloadWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    /** Appends 2 bytes. */
    public PayloadWriter u16(int v) {
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    /** Appends 4 bytes. */
    public PayloadWriter i32(int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    /** Appends 8 bytes. */
    public PayloadWriter i64(long v) {
        i32((int) (v >>> 32));
        return i32((int) v);
    }

    /** Appends the 8-byte values of {@code words} without a count, in one bulk copy. */
    public PayloadWriter longs(long[] words) {
        ByteBuffer bytes = ByteBuffer.allocate(words.length * 8);
        bytes.asLongBuffer().put(words);
        out.write(bytes.array(), 0, bytes.capacity());
        return this;
    }

    /** Appends a double as its raw bits. */
    public PayloadWriter f64(double v) {
        return i64(Double.doubleToRawLongBits(v));
    }

    /** Appends a 4-byte length and the bytes. */
    public PayloadWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    /** Appends a 4-byte length and a slice. */
    public PayloadWriter bytes(byte[] b, int off, int len) {
        i32(len);
        out.write(b, off, len);
        return this;
    }

    /** Appends bytes without a length. */
    public PayloadWriter raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /** Appends a UTF-8 string with a 4-byte length. */
    public PayloadWriter str(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Bytes written so far. */
    public int size() {
        return out.size();
    }

    /** The payload. */
    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /** A frame of {@code type} with this payload. */
    public Frame frame(FrameType type) {
        return new Frame(type, toByteArray());
    }
}
