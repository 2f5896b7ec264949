package dev.ferry.migration.wire;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.fuzz.FuzzProperty;
import dev.ferry.migration.EncryptionMode;
import dev.ferry.migration.EncryptionPolicy;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The target side of the handshake fed arbitrary frames: a HELLO and an AUTH whose payloads (and, now and then,
 * types) come from the fuzzer, framed correctly so that they pass the checksum. The target refuses with a
 * {@link ProtocolException} (or sees the end of the stream), whatever the policy, and never accepts a source that
 * did not prove the secret.
 */
class HandshakeFuzzTest {

    private static final byte[] SECRET = "fuzz secret".getBytes(StandardCharsets.UTF_8);
    private static final List<EncryptionPolicy> POLICIES = List.of(EncryptionPolicy.DEFAULT,
            EncryptionPolicy.of(EncryptionMode.ALWAYS), EncryptionPolicy.of(EncryptionMode.NEVER));
    private static ServerSocketChannel server;

    @BeforeAll
    static void listen() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterAll
    static void close() throws Exception {
        server.close();
    }

    private static Frame frame(FuzzedDataProvider data, FrameType usual, int max) {
        FrameType type = data.consumeBoolean() ? usual : FrameType.values()[data.consumeInt(0,
                FrameType.values().length - 1)];
        return new Frame(type, data.consumeBytes(data.consumeInt(0, max)));
    }

    @FuzzTest(maxDuration = "3s")
    void targetSide(FuzzedDataProvider data) throws Exception {
        FuzzProperty.allowLoopbackConnections();
        EncryptionPolicy policy = POLICIES.get(data.consumeInt(0, POLICIES.size() - 1));
        int maxVersion = data.consumeInt(Handshake.MIN_VERSION, Handshake.VERSION);
        boolean helloMagic = data.consumeBoolean();
        Frame hello = frame(data, FrameType.HELLO, 400);
        if (helloMagic && hello.payload().length >= 10) {
            System.arraycopy("FERRYMIG".getBytes(StandardCharsets.US_ASCII), 0, hello.payload(), 0, 8);
        }
        Frame auth = frame(data, FrameType.AUTH, 64);
        byte[] tail = data.consumeRemainingAsBytes();
        FuzzProperty.holds(16L << 20, List.of(ProtocolException.class, EOFException.class), () -> {
            try (SocketChannel raw = SocketChannel.open(server.getLocalAddress());
                    FrameConnection c = new FrameConnection(server.accept(), new AtomicLong())) {
                ByteBuffer out = ByteBuffer.allocate(4096 + tail.length);
                out.put(FrameCodec.encode(hello)).put(FrameCodec.encode(auth)).put(tail).flip();
                while (out.hasRemaining()) {
                    raw.write(out);
                }
                raw.shutdownOutput();
                Handshake.asTarget(c, SECRET, maxVersion, policy);
                throw new AssertionError("the target accepted a source that did not prove the secret");
            }
        });
    }
}
