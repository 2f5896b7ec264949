package dev.ferry.migration.wire;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.fuzz.FuzzProperty;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Arbitrary bytes as frames: {@link FrameCodec#decode}, and a {@link FrameConnection} receiving them from a socket,
 * authenticated or not, plain or encrypted (with a few well-formed sealed frames in front so that the fuzzer
 * reaches the checks behind the tag). Only {@link ProtocolException} and, at the end of the bytes,
 * {@link EOFException} may come out, and no buffer larger than the limit in force is allocated.
 */
class FrameDecoderFuzzTest {

    private static final byte[] KEY_A = new byte[32];
    private static final byte[] KEY_B = new byte[32];
    private static ServerSocketChannel server;

    @BeforeAll
    static void listen() throws Exception {
        KEY_B[0] = 1;
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterAll
    static void close() throws Exception {
        server.close();
    }

    /**
     * Frames whose type, flags, length and payload come from the fuzzer but whose CRC is right, so that the checks
     * behind the checksum are reached too.
     */
    private static byte[] checksummed(FuzzedDataProvider data) {
        ByteBuffer out = ByteBuffer.allocate(8192);
        while (data.remainingBytes() > 4 && out.remaining() > 2048) {
            byte[] payload = data.consumeBytes(data.consumeInt(0, 1024));
            byte[] f = FrameCodec.encode(new Frame(FrameType.ERROR, payload));
            f[2] = data.consumeByte();
            f[3] = data.consumeBoolean() ? 0 : data.consumeByte();
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(f, 0, 8);
            crc.update(f, FrameCodec.HEADER, payload.length);
            FrameCodec.putInt(f, 8, (int) crc.getValue());
            out.put(f);
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    @FuzzTest(maxDuration = "3s")
    void frames(FuzzedDataProvider data) throws Exception {
        FuzzProperty.allowLoopbackConnections();
        int mode = data.consumeInt(0, 3);
        int sealedFrames = data.consumeInt(0, 3);
        byte[] bytes = data.consumeBoolean() ? data.consumeRemainingAsBytes() : checksummed(data);
        FuzzProperty.holds(16L << 20, List.of(ProtocolException.class, EOFException.class), () -> {
            if (mode == 0) {
                FrameCodec.decode(bytes);
                return;
            }
            try (SocketChannel raw = SocketChannel.open(server.getLocalAddress());
                    FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                if (mode >= 2) {
                    c.authenticated();
                }
                ByteBuffer out = ByteBuffer.allocate(bytes.length + 4096);
                if (mode == 3) {
                    c.encrypt(new FrameCipher(KEY_B, KEY_A));
                    FrameCipher sender = new FrameCipher(KEY_A, KEY_B);
                    for (int i = 0; i < sealedFrames; i++) {
                        out.put(sender.seal(ByteBuffer.wrap(FrameCodec.encode(Messages.roundApplied(i)))));
                    }
                }
                out.put(bytes).flip();
                while (out.hasRemaining()) {
                    raw.write(out);
                }
                raw.shutdownOutput();
                for (int i = 0; i < 1000; i++) {
                    c.receiveInPlace(5000);
                }
            }
        });
    }
}
