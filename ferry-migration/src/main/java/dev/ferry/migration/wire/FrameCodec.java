package dev.ferry.migration.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Frame layout on the wire: a 12-byte header — magic {@code 0x46 0x4d} ("FM"), type code, flags (0), payload
 * length (4 bytes, big-endian), CRC32C (4 bytes, big-endian) of the header's first 8 bytes and the payload —
 * followed by the payload. A reader checks magic and length (against a limit, before it allocates anything),
 * then type, flags and checksum, so a corrupt or hostile frame is a {@link ProtocolException}, never an
 * oversized allocation.
 */
public final class FrameCodec {

    /** Largest payload accepted once a connection is authenticated: enough for a 64 GiB VM's page bitmap. */
    public static final int MAX_PAYLOAD = 4 << 20;
    /** Header length. */
    public static final int HEADER = 12;
    private static final int MAGIC0 = 0x46;
    private static final int MAGIC1 = 0x4d;

    /**
     * A checked frame header.
     *
     * @param typeCode the type byte (checked against {@link FrameType} only with the checksum)
     * @param flags    the flags byte
     * @param length   payload length, within the reader's limit
     * @param trailer  bytes 8..11: the checksum the sender computed on a plain frame, the sequence number on an
     *                 encrypted one ({@code FrameCipher})
     */
    public record Header(int typeCode, int flags, int length, int trailer) { }

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
     * Fills in the header of a frame whose payload already sits at {@code [HEADER, HEADER + payloadLength)} of
     * {@code frame} (absolute indices; position and limit are left alone), so large frames are built in place.
     */
    public static void seal(ByteBuffer frame, FrameType type, int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame payload of " + payloadLength + " bytes");
        }
        frame.put(0, (byte) MAGIC0);
        frame.put(1, (byte) MAGIC1);
        frame.put(2, (byte) type.code());
        frame.put(3, (byte) 0);
        frame.putInt(4, payloadLength);
        CRC32C crc = new CRC32C();
        crc.update(frame.slice(0, 8));
        crc.update(frame.slice(HEADER, payloadLength));
        frame.putInt(8, (int) crc.getValue());
    }

    /**
     * Checks the 12 header bytes at {@code [0, HEADER)} of {@code h} (big-endian) against the magic and a
     * payload limit.
     */
    public static Header header(ByteBuffer h, int maxPayload) throws ProtocolException {
        int m0 = h.get(0) & 0xff;
        int m1 = h.get(1) & 0xff;
        if (m0 != MAGIC0 || m1 != MAGIC1) {
            throw new ProtocolException(String.format("bad frame magic 0x%02x%02x (not a Ferry migration peer, or "
                    + "the stream is corrupt)", m0, m1));
        }
        int len = h.getInt(4);
        if (len < 0 || len > maxPayload) {
            throw new ProtocolException("frame length " + (len & 0xffffffffL) + " exceeds the limit of " + maxPayload);
        }
        return new Header(h.get(2) & 0xff, h.get(3) & 0xff, len, h.getInt(8));
    }

    /**
     * Checks a received payload against its header: checksum first, then the type and flags. Returns the type.
     */
    public static FrameType verify(Header header, ByteBuffer headerBytes, ByteBuffer payload) throws ProtocolException {
        CRC32C crc = new CRC32C();
        crc.update(headerBytes.slice(0, 8));
        crc.update(payload.slice(0, header.length()));
        if ((int) crc.getValue() != header.trailer()) {
            throw new ProtocolException("frame checksum mismatch");
        }
        FrameType type = type(header.typeCode());
        if (header.flags() != 0) {
            throw new ProtocolException("unknown frame flags " + header.flags());
        }
        return type;
    }

    /** The frame type of a checked frame's type byte. */
    static FrameType type(int code) throws ProtocolException {
        FrameType type = FrameType.ofCode(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type " + code);
        }
        return type;
    }

    /** Decodes one complete frame from {@code bytes} (tools and tests; connections read incrementally). */
    public static Frame decode(byte[] bytes) throws ProtocolException {
        if (bytes.length < HEADER) {
            throw new ProtocolException("truncated frame: " + bytes.length + " bytes, the header alone has " + HEADER);
        }
        ByteBuffer h = ByteBuffer.wrap(bytes, 0, HEADER);
        Header header = header(h, MAX_PAYLOAD);
        if (bytes.length - HEADER < header.length()) {
            throw new ProtocolException("truncated frame: payload of " + header.length() + " bytes, "
                    + (bytes.length - HEADER) + " present");
        }
        ByteBuffer payload = ByteBuffer.wrap(bytes, HEADER, header.length()).slice();
        FrameType type = verify(header, h, payload);
        return new Frame(type, Arrays.copyOfRange(bytes, HEADER, HEADER + header.length()));
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
