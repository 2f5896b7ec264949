package dev.ferry.migration.wire;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a frame payload written by {@link PayloadWriter}. Every read is bounds-checked against the payload,
 * and every length against the bytes that remain, so a hostile payload is a {@link ProtocolException}.
 */
public final class PayloadReader {

    private final FrameType type;
    private final byte[] b;
    private int pos;

    /** Reads {@code payload} of a frame of {@code type} (named in error messages). */
    public PayloadReader(FrameType type, byte[] payload) {
        this.type = type;
        this.b = payload;
    }

    private void need(int n, String what) throws ProtocolException {
        if (n < 0 || b.length - pos < n) {
            throw new ProtocolException(type + " frame truncated: " + what + " needs " + (n & 0xffffffffL)
                    + " bytes, " + (b.length - pos) + " remain");
        }
    }

    /** One unsigned byte. */
    public int u8() throws ProtocolException {
        need(1, "a byte");
        return b[pos++] & 0xff;
    }

    /** A boolean byte (0 or 1). */
    public boolean bool() throws ProtocolException {
        int v = u8();
        if (v > 1) {
            throw new ProtocolException(type + " frame: boolean byte " + v);
        }
        return v == 1;
    }

    /** Two bytes, unsigned. */
    public int u16() throws ProtocolException {
        need(2, "a 16-bit value");
        int v = (b[pos] & 0xff) << 8 | (b[pos + 1] & 0xff);
        pos += 2;
        return v;
    }

    /** Four bytes. */
    public int i32() throws ProtocolException {
        need(4, "a 32-bit value");
        int v = FrameCodec.getInt(b, pos);
        pos += 4;
        return v;
    }

    /** Four bytes that must lie in {@code [min, max]}. */
    public int i32(String what, int min, int max) throws ProtocolException {
        int v = i32();
        if (v < min || v > max) {
            throw new ProtocolException(type + " frame: " + what + " " + v + " outside " + min + ".." + max);
        }
        return v;
    }

    /** Eight bytes. */
    public long i64() throws ProtocolException {
        long hi = i32() & 0xffffffffL;
        return hi << 32 | (i32() & 0xffffffffL);
    }

    /** {@code n} 8-byte values, in one bulk copy. */
    public long[] longs(int n) throws ProtocolException {
        if (n < 0 || n > (b.length - pos) / 8) {
            throw new ProtocolException(type + " frame truncated: " + (n & 0xffffffffL) + " 64-bit values need "
                    + 8L * (n & 0xffffffffL) + " bytes, " + (b.length - pos) + " remain");
        }
        long[] out = new long[n];
        ByteBuffer.wrap(b, pos, n * 8).slice().asLongBuffer().get(out);
        pos += n * 8;
        return out;
    }

    /** A double from its raw bits. */
    public double f64() throws ProtocolException {
        return Double.longBitsToDouble(i64());
    }

    /** A length-prefixed byte string of at most {@code max} bytes. */
    public byte[] bytes(int max) throws ProtocolException {
        int len = i32();
        if (len < 0 || len > max) {
            throw new ProtocolException(type + " frame: byte string of " + (len & 0xffffffffL)
                    + " bytes exceeds " + max);
        }
        return raw(len);
    }

    /** Exactly {@code len} bytes. */
    public byte[] raw(int len) throws ProtocolException {
        need(len, "a byte string");
        byte[] out = new byte[len];
        System.arraycopy(b, pos, out, 0, len);
        pos += len;
        return out;
    }

    /** Skips {@code len} bytes and returns the offset where they start, to read them in place. */
    public int slice(int len) throws ProtocolException {
        need(len, "a byte string");
        int at = pos;
        pos += len;
        return at;
    }

    /** The payload array, for in-place reads of a {@link #slice}. */
    public byte[] array() {
        return b;
    }

    /** A UTF-8 string of at most {@code max} bytes. */
    public String str(int max) throws ProtocolException {
        byte[] s = bytes(max);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(s)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(type + " frame: string is not valid UTF-8");
        }
    }

    /** Bytes not read yet. */
    public int remaining() {
        return b.length - pos;
    }

    /** Fails when bytes are left over. */
    public void end() throws ProtocolException {
        if (pos != b.length) {
            throw new ProtocolException(type + " frame: " + (b.length - pos) + " unexpected bytes at the end");
        }
    }
}
