package dev.ferry.migration.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for the frames of one encrypted connection. On such a connection every frame after the handshake is
 *
 * <pre>
 * magic "FM" | type | flags 0x01 | u32 payload length | u32 sequence | ciphertext (length) | tag (16)
 * </pre>
 *
 * where the 12-byte header is the associated data, so neither type nor length can be changed, and the nonce is
 * four zero bytes followed by the 64-bit count of frames sent before on this connection in this direction (each
 * direction has its own key). The header's sequence field carries the count's low 32 bits so that a replayed,
 * dropped or reordered frame is named as such; the tag would refuse it anyway. The tag replaces the CRC.
 *
 * <p>The JDK's GCM runs its fast intrinsic only on heap arrays (on direct buffers it works 512 bytes at a time,
 * measured 2.3 times slower for a 256 KiB frame, encryption and decryption together), so frames are staged through
 * arrays this object keeps and reuses: sealing copies the direct page batch into one, encrypts into another and
 * copies the result into a direct buffer for the socket; opening decrypts a received payload into an array the
 * returned buffer wraps. Nothing of the frame's size is allocated per frame; {@code Cipher.init} for each nonce
 * allocates a few small objects. Sealing and opening each belong to one thread at a time (the connection's send
 * lock and its receiving thread).
 */
public final class FrameCipher {

    /** GCM tag length. */
    static final int TAG = 16;
    /** The flags byte of an encrypted frame. */
    static final int ENCRYPTED = 1;
    private static final int TAG_BITS = TAG * 8;
    private static final int NONCE = 12;

    private final SecretKeySpec sendKey;
    private final SecretKeySpec receiveKey;
    private final Cipher sealer;
    private final Cipher opener;
    private final byte[] sendNonce = new byte[NONCE];
    private final byte[] receiveNonce = new byte[NONCE];
    private long sent;
    private long received;
    private byte[] plainOut = new byte[0];
    private byte[] sealedOut = new byte[0];
    private ByteBuffer wireOut = ByteBuffer.allocateDirect(0);
    private byte[] sealedIn = new byte[0];
    private byte[] plainIn = new byte[0];
    private final byte[] aad = new byte[FrameCodec.HEADER];

    /** A cipher that seals with {@code sendKey} and opens with {@code receiveKey} (32 bytes each). */
    FrameCipher(byte[] sendKey, byte[] receiveKey) {
        this.sendKey = new SecretKeySpec(sendKey, "AES");
        this.receiveKey = new SecretKeySpec(receiveKey, "AES");
        try {
            this.sealer = Cipher.getInstance("AES/GCM/NoPadding");
            this.opener = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is missing from this JVM", e);
        }
    }

    /** The cipher of the source's end of a connection. */
    static FrameCipher forSource(SessionKeys keys) {
        return new FrameCipher(keys.sourceToTarget(), keys.targetToSource());
    }

    /** The cipher of the target's end of a connection. */
    static FrameCipher forTarget(SessionKeys keys) {
        return new FrameCipher(keys.targetToSource(), keys.sourceToTarget());
    }

    /**
     * Whether the frame with this header is sealed: it must be, except for a plain ERROR before the first sealed
     * frame arrived (a peer that gave up at the end of the handshake says why in plain text).
     *
     * @throws ProtocolException for any other unencrypted frame, before its payload is read
     */
    boolean sealed(FrameCodec.Header header) throws ProtocolException {
        if (header.flags() == ENCRYPTED) {
            return true;
        }
        if (header.flags() == 0 && header.typeCode() == FrameType.ERROR.code() && received == 0) {
            return false;
        }
        throw new ProtocolException("unencrypted frame (flags " + header.flags() + ") on an encrypted connection");
    }

    /**
     * Encrypts a plain frame (header and payload from {@code frame}'s position to its limit, as
     * {@link FrameCodec#seal} or {@link FrameCodec#encode} built it; its checksum is ignored) and returns the
     * encrypted frame's bytes, valid until the next call.
     */
    ByteBuffer seal(ByteBuffer frame) throws IOException {
        int at = frame.position();
        int length = frame.getInt(at + 4);
        if (length < 0 || frame.remaining() != FrameCodec.HEADER + length) {
            throw new IllegalArgumentException("not a complete frame: " + frame.remaining() + " bytes");
        }
        if (sent == Long.MAX_VALUE) {
            throw new ProtocolException("the connection has sent as many frames as its nonces allow; reconnect");
        }
        plainOut = room(plainOut, length);
        sealedOut = room(sealedOut, FrameCodec.HEADER + length + TAG);
        frame.get(at + FrameCodec.HEADER, plainOut, 0, length);
        frame.get(at, sealedOut, 0, 4);
        sealedOut[3] = ENCRYPTED;
        FrameCodec.putInt(sealedOut, 4, length);
        FrameCodec.putInt(sealedOut, 8, (int) sent);
        nonce(sendNonce, sent);
        try {
            sealer.init(Cipher.ENCRYPT_MODE, sendKey, new GCMParameterSpec(TAG_BITS, sendNonce));
            sealer.updateAAD(sealedOut, 0, FrameCodec.HEADER);
            int n = sealer.doFinal(plainOut, 0, length, sealedOut, FrameCodec.HEADER);
            if (n != length + TAG) {
                throw new IllegalStateException("AES/GCM gave " + n + " bytes for " + length);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM failed to encrypt: " + e.getMessage(), e);
        }
        sent++;
        int total = FrameCodec.HEADER + length + TAG;
        if (wireOut.capacity() < total) {
            wireOut = ByteBuffer.allocateDirect(Math.max(total, Math.min(wireOut.capacity() * 2,
                    FrameCodec.HEADER + FrameCodec.MAX_PAYLOAD + TAG)));
        }
        wireOut.clear();
        wireOut.put(sealedOut, 0, total).flip();
        return wireOut;
    }

    /**
     * Checks and decrypts a received frame: {@code header} holds its 12 header bytes, {@code sealed} its
     * ciphertext and tag ({@code header.length() + TAG} bytes from position 0). Returns the type and the plain
     * payload, which stays valid until the next call.
     */
    FrameConnection.Received open(FrameCodec.Header header, ByteBuffer headerBytes, ByteBuffer sealed)
            throws ProtocolException {
        if (header.trailer() != (int) received) {
            throw new ProtocolException("frame out of sequence: expected frame " + (received & 0xffffffffL)
                    + ", got frame " + (header.trailer() & 0xffffffffL) + " (replayed, dropped or reordered)");
        }
        int length = header.length();
        sealedIn = room(sealedIn, length + TAG);
        plainIn = room(plainIn, length);
        sealed.get(0, sealedIn, 0, length + TAG);
        headerBytes.get(0, aad);
        nonce(receiveNonce, received);
        try {
            opener.init(Cipher.DECRYPT_MODE, receiveKey, new GCMParameterSpec(TAG_BITS, receiveNonce));
            opener.updateAAD(aad);
            opener.doFinal(sealedIn, 0, length + TAG, plainIn, 0);
        } catch (AEADBadTagException e) {
            throw new ProtocolException("frame failed authentication (altered in transit, or not sent by the peer "
                    + "that shook hands)");
        } catch (GeneralSecurityException e) {
            throw new ProtocolException("frame could not be decrypted: " + e.getMessage());
        }
        received++;
        FrameType type = FrameCodec.type(header.typeCode());
        return new FrameConnection.Received(type, ByteBuffer.wrap(plainIn, 0, length).slice().asReadOnlyBuffer());
    }

    /**
     * Seals and opens {@code frames} frames of 4 KiB and every tenth of 256 KiB with throwaway keys, so that the JIT
     * has compiled the cipher path before the first encrypted migration (interpreted, it runs at a few MiB/s).
     */
    public static void warmUp(int frames) throws ProtocolException {
        byte[] key = new byte[SessionKeys.KEY_BYTES];
        FrameCipher a = new FrameCipher(key, key);
        FrameCipher b = new FrameCipher(key, key);
        ByteBuffer small = ByteBuffer.allocateDirect(FrameCodec.HEADER + 4096);
        ByteBuffer large = ByteBuffer.allocateDirect(FrameCodec.HEADER + 256 * 1024);
        ByteBuffer header = ByteBuffer.allocateDirect(FrameCodec.HEADER);
        ByteBuffer body = ByteBuffer.allocateDirect(256 * 1024 + TAG);
        for (int i = 0; i < frames; i++) {
            ByteBuffer frame = i % 10 == 0 ? large : small;
            FrameCodec.seal(frame, FrameType.PAGES, frame.capacity() - FrameCodec.HEADER);
            ByteBuffer sealed;
            try {
                sealed = a.seal(frame.duplicate().clear());
            } catch (IOException e) {
                throw new ProtocolException(e.getMessage());
            }
            header.clear().put(sealed.slice(0, FrameCodec.HEADER)).flip();
            body.clear().put(sealed.slice(FrameCodec.HEADER, sealed.remaining() - FrameCodec.HEADER)).flip();
            b.open(FrameCodec.header(header, FrameCodec.MAX_PAYLOAD), header, body);
        }
    }

    private static void nonce(byte[] nonce, long counter) {
        for (int i = 0; i < 8; i++) {
            nonce[NONCE - 1 - i] = (byte) (counter >>> (8 * i));
        }
    }

    private static byte[] room(byte[] b, int n) {
        return b.length >= n ? b : new byte[Math.max(n, Math.min(b.length * 2, FrameCodec.MAX_PAYLOAD + 64))];
    }
}
