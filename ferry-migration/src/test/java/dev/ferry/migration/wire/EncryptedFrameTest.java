package dev.ferry.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Frames on an encrypted connection, received by a real {@link FrameConnection}: what the sender sealed arrives
 * intact, and any change on the way (a bit of the header, payload or tag, a replayed, dropped or reordered frame,
 * a frame sealed with another key or not sealed at all) is refused with a clear reason.
 */
class EncryptedFrameTest {

    private static final byte[] K1 = key(1);
    private static final byte[] K2 = key(2);

    private ServerSocketChannel server;
    private SocketChannel raw;
    private FrameConnection receiver;

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return k;
    }

    @BeforeEach
    void connect() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        raw = SocketChannel.open(server.getLocalAddress());
        receiver = new FrameConnection(server.accept(), new AtomicLong());
        receiver.authenticated();
        receiver.encrypt(new FrameCipher(K2, K1));
    }

    @AfterEach
    void close() throws Exception {
        receiver.close();
        raw.close();
        server.close();
    }

    private static byte[] sealed(FrameCipher sender, Frame f) throws Exception {
        ByteBuffer b = sender.seal(ByteBuffer.wrap(FrameCodec.encode(f)));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private void write(byte[]... frames) throws Exception {
        for (byte[] f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f);
            while (b.hasRemaining()) {
                raw.write(b);
            }
        }
    }

    private static Frame pages(int seed) {
        byte[] p = new byte[70_000];
        new Random(seed).nextBytes(p);
        return new Frame(FrameType.PAGES, p);
    }

    @Test
    void sealedFramesArriveIntactAndDoNotShowTheirPayload() throws Exception {
        FrameCipher sender = new FrameCipher(K1, K2);
        Frame a = pages(1);
        Frame b = Messages.error("hello");
        byte[] wa = sealed(sender, a);
        assertThat(wa).hasSize(FrameCodec.HEADER + a.payload().length + FrameCipher.TAG);
        assertThat(wa[3]).as("flags").isEqualTo((byte) FrameCipher.ENCRYPTED);
        assertThat(Arrays.copyOfRange(wa, FrameCodec.HEADER, FrameCodec.HEADER + 64))
                .isNotEqualTo(Arrays.copyOf(a.payload(), 64));
        write(wa, sealed(sender, b), sealed(sender, Frame.empty(FrameType.COMMIT)));
        Frame ra = receiver.receive(5000);
        assertThat(ra.type()).isEqualTo(FrameType.PAGES);
        assertThat(ra.payload()).isEqualTo(a.payload());
        assertThat(Messages.error(receiver.receive(5000))).isEqualTo("hello");
        assertThat(receiver.receive(5000).type()).isEqualTo(FrameType.COMMIT);
    }

    private void refused(Consumer<byte[]> tamper, String reason) throws Exception {
        FrameCipher sender = new FrameCipher(K1, K2);
        write(sealed(sender, pages(1)));
        assertThat(receiver.receive(5000).type()).isEqualTo(FrameType.PAGES);
        byte[] second = sealed(sender, pages(2));
        tamper.accept(second);
        write(second);
        assertThatThrownBy(() -> receiver.receive(5000)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void flippedPayloadBitIsRefused() throws Exception {
        refused(f -> f[FrameCodec.HEADER + 1000] ^= 0x10, "frame failed authentication");
    }

    @Test
    void flippedTagBitIsRefused() throws Exception {
        refused(f -> f[f.length - 1] ^= 0x01, "frame failed authentication");
    }

    @Test
    void changedTypeIsRefused() throws Exception {
        refused(f -> f[2] = (byte) FrameType.DEVICE_STATE.code(), "frame failed authentication");
    }

    @Test
    void changedSequenceIsRefused() throws Exception {
        refused(f -> f[11] ^= 0x04, "frame out of sequence");
    }

    @Test
    void shortenedLengthIsRefused() throws Exception {
        refused(f -> FrameCodec.putInt(f, 4, FrameCodec.getInt(f, 4) - 16), "frame failed authentication");
    }

    @Test
    void unsealedFrameIsRefused() throws Exception {
        FrameCipher sender = new FrameCipher(K1, K2);
        write(sealed(sender, pages(1)), FrameCodec.encode(pages(2)));
        receiver.receive(5000);
        assertThatThrownBy(() -> receiver.receive(5000)).hasMessageContaining("unencrypted frame");
    }

    @Test
    void replayedFrameIsRefused() throws Exception {
        FrameCipher sender = new FrameCipher(K1, K2);
        byte[] first = sealed(sender, pages(1));
        write(first, first);
        receiver.receive(5000);
        assertThatThrownBy(() -> receiver.receive(5000))
                .hasMessage("frame out of sequence: expected frame 1, got frame 0 (replayed, dropped or reordered)");
    }

    @Test
    void replayedFrameWithForgedSequenceIsRefused() throws Exception {
        FrameCipher sender = new FrameCipher(K1, K2);
        byte[] first = sealed(sender, pages(1));
        byte[] again = first.clone();
        FrameCodec.putInt(again, 8, 1);
        write(first, again);
        receiver.receive(5000);
        assertThatThrownBy(() -> receiver.receive(5000)).hasMessageContaining("frame failed authentication");
    }

    @Test
    void reorderedFramesAreRefused() throws Exception {
        FrameCipher sender = new FrameCipher(K1, K2);
        byte[] first = sealed(sender, pages(1));
        byte[] second = sealed(sender, pages(2));
        write(second, first);
        assertThatThrownBy(() -> receiver.receive(5000)).hasMessageContaining("frame out of sequence");
    }

    @Test
    void frameOfAnotherKeyIsRefused() throws Exception {
        write(sealed(new FrameCipher(key(9), K2), pages(1)));
        assertThatThrownBy(() -> receiver.receive(5000)).hasMessageContaining("frame failed authentication");
    }

    @Test
    void framesOfTheOtherDirectionAreRefused() throws Exception {
        write(sealed(new FrameCipher(K2, K1), pages(1)));
        assertThatThrownBy(() -> receiver.receive(5000)).hasMessageContaining("frame failed authentication");
    }

    /** Page batches are sealed and opened from arrays the cipher reuses: far less heap per frame than its size. */
    @Test
    void sealingAndOpeningAllocateLittlePerFrame() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
                .getThreadMXBean();
        FrameCipher a = new FrameCipher(K1, K2);
        FrameCipher b = new FrameCipher(K2, K1);
        ByteBuffer batch = ByteBuffer.allocateDirect(FrameCodec.HEADER + 256 * 1024);
        FrameCodec.seal(batch, FrameType.PAGES, 256 * 1024);
        ByteBuffer header = ByteBuffer.allocateDirect(FrameCodec.HEADER);
        ByteBuffer wire = ByteBuffer.allocateDirect(256 * 1024 + FrameCipher.TAG);
        long before = 0;
        int frames = 200;
        for (int i = 0; i < frames * 2; i++) {
            if (i == frames) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            ByteBuffer sealed = a.seal(batch.duplicate());
            header.clear();
            header.put(sealed.slice(0, FrameCodec.HEADER)).flip();
            wire.clear();
            wire.put(sealed.slice(FrameCodec.HEADER, sealed.remaining() - FrameCodec.HEADER)).flip();
            FrameCodec.Header h = FrameCodec.header(header, FrameCodec.MAX_PAYLOAD);
            assertThat(b.open(h, header, wire).payload().remaining()).isEqualTo(256 * 1024);
        }
        long perFrame = (threads.getCurrentThreadAllocatedBytes() - before) / frames;
        System.out.println("heap allocated per sealed and opened 256 KiB frame: " + perFrame + " bytes");
        assertThat(perFrame).isLessThan(16 * 1024);
    }
}
