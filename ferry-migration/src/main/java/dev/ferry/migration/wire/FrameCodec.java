package dev.ferry.migration.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.zip.CRC32C;

/**
 * Frame layout on the wire: a 12-byte header — magic {@code 0x46 0x4d} ("FM"), type code, flags (0), payload
 * length (4 bytes, big-endian), CRC32C (4 bytes, big-endian) of the header's first 8 bytes and the payload —
 * followed by the payload. Reading checks magic, type, length (before allocating) and checksum, so a corrupt
 * or hostile frame is a {@link ProtocolException}, never an oversized allocation.
 */
public final class FrameCodec {

    /** Largest payload accepted: enough for a 64 GiB VM's page bitmap. */
    public static final int MAX_PAYLOAD = 4 << 20;
    /** Header length. */
    public static final int HEADER = 12;
    private static final int MAGIC0 = 0x46;
    private static final int MAGIC1 = 0x4d;

    private FrameCodec() {
    }

    /** The frame's complete bytes. */
    public static byte[] encode(Frame frame) {
        byte[] p = frame.payload();
        byte[] out = new byte[HEADER + p.length];
        out[0] = (byte) MAGIC0;
        out[1] = (byte) MAGIC1;
        out[2] = (byte) frame.type().code();
        out[3] = 0;
        putInt(out, 4, p.length);
        System.arraycopy(p, 0, out, HEADER, p.length);
        CRC32C crc = new CRC32C();
        crc.update(out, 0, 8);
        crc.update(p, 0, p.length);
        putInt(out, 8, (int) crc.getValue());
        return out;
    }

    /**
     * Fills in the header of a frame whose payload already sits at {@code buf[HEADER, HEADER + payloadLength)},
     * so large frames need no extra copy.
     */
    public static void seal(byte[] buf, FrameType type, int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + payloadLength + " bytes");
        }
        buf[0] = (byte) MAGIC0;
        buf[1] = (byte) MAGIC1;
        buf[2] = (byte) type.code();
        buf[3] = 0;
        putInt(buf, 4, payloadLength);
        CRC32C crc = new CRC32C();
        crc.update(buf, 0, 8);
        crc.update(buf, HEADER, payloadLength);
        putInt(buf, 8, (int) crc.getValue());
    }

    /** Writes one frame (not flushed). */
    public static void write(OutputStream out, Frame frame) throws IOException {
        out.write(encode(frame));
    }

    /**
     * Reads one frame.
     *
     * <p>While no byte of the frame has arrived, a socket timeout is passed on as is (the caller may wait
     * again); once the frame has started, it must be complete within {@code midFrameMillis}.
     *
     * @throws EOFException        at a clean end of stream before a frame starts
     * @throws ProtocolException   for a corrupt, truncated or oversized frame
     */
    public static Frame read(InputStream in, long midFrameMillis) throws IOException {
        byte[] header = new byte[HEADER];
        int first = in.read(header, 0, HEADER);
        if (first < 0) {
            throw new EOFException("connection closed");
        }
        long deadline = System.nanoTime() + midFrameMillis * 1_000_000L;
        readFully(in, header, first, HEADER - first, deadline, "frame header");
        if ((header[0] & 0xff) != MAGIC0 || (header[1] & 0xff) != MAGIC1) {
            throw new ProtocolException(String.format("bad frame magic 0x%02x%02x (not a Ferry migration peer, or "
                    + "the stream is corrupt)", header[0] & 0xff, header[1] & 0xff));
        }
        int len = getInt(header, 4);
        if (len < 0 || len > MAX_PAYLOAD) {
            throw new ProtocolException("frame length " + (len & 0xffffffffL) + " exceeds the limit of " + MAX_PAYLOAD);
        }
        FrameType type = FrameType.ofCode(header[2] & 0xff);
        byte[] payload = new byte[len];
        readFully(in, payload, 0, len, deadline, "frame payload");
        CRC32C crc = new CRC32C();
        crc.update(header, 0, 8);
        crc.update(payload, 0, len);
        if ((int) crc.getValue() != getInt(header, 8)) {
            throw new ProtocolException("frame checksum mismatch");
        }
        if (type == null) {
            throw new ProtocolException("unknown frame type " + (header[2] & 0xff));
        }
        if (header[3] != 0) {
            throw new ProtocolException("unknown frame flags " + (header[3] & 0xff));
        }
        return new Frame(type, payload);
    }

    private static void readFully(InputStream in, byte[] b, int off, int len, long deadline, String what)
            throws IOException {
        while (len > 0) {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new ProtocolException("timed out in the middle of a " + what);
                }
                continue;
            }
            if (n < 0) {
                throw new ProtocolException("connection closed in the middle of a " + what + " (truncated frame)");
            }
            off += n;
            len -= n;
        }
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }
}
