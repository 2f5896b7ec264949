package dev.ferry.migration.wire;


import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {

    private static Frame read(byte[] bytes) throws Exception {
        return FrameCodec.decode(bytes);
    }

    @Test
    void roundTrip() throws Exception {
        byte[] payload = new byte[10_000];
        new Random(1).nextBytes(payload);
        Frame f = read(FrameCodec.encode(new Frame(FrameType.PAGES, payload)));
        assertThat(f.type()).isEqualTo(FrameType.PAGES);
        assertThat(f.payload()).isEqualTo(payload);
        assertThat(read(FrameCodec.encode(Frame.empty(FrameType.COMMIT))).type()).isEqualTo(FrameType.COMMIT);
    }

    @Test
    void everyFlippedBitIsDetected() {
        byte[] good = FrameCodec.encode(new PayloadWriter().str("hello").i64(42).frame(FrameType.BEGIN));
        for (int i = 0; i < good.length * 8; i++) {
            byte[] bad = good.clone();
            bad[i / 8] ^= (byte) (1 << (i % 8));
            assertThatThrownBy(() -> read(bad)).as("bit %d", i).isInstanceOf(ProtocolException.class);
        }
    }

    @Test
    void checksumMismatchIsNamed() {
        byte[] bad = FrameCodec.encode(new PayloadWriter().str("hello").frame(FrameType.BEGIN));
        bad[bad.length - 1] ^= 1;
        assertThatThrownBy(() -> read(bad)).hasMessage("frame checksum mismatch");
    }

    @Test
    void truncatedFrames() {
        byte[] good = FrameCodec.encode(new PayloadWriter().str("hello world").frame(FrameType.BEGIN));
        assertThatThrownBy(() -> read(new byte[0])).hasMessageContaining("truncated");
        for (int n = 1; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThatThrownBy(() -> read(cut)).as("cut at %d", n).isInstanceOf(ProtocolException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void hostileLengthIsRejectedBeforeAllocating() {
        byte[] header = FrameCodec.encode(Frame.empty(FrameType.PAGES));
        FrameCodec.putInt(header, 4, Integer.MAX_VALUE);
        assertThatThrownBy(() -> read(header)).hasMessageContaining("exceeds the limit");
        FrameCodec.putInt(header, 4, -1);
        assertThatThrownBy(() -> read(header)).hasMessageContaining("exceeds the limit");
    }

    @Test
    void badMagicAndUnknownType() {
        byte[] f = FrameCodec.encode(Frame.empty(FrameType.COMMIT));
        f[0] = 'G';
        assertThatThrownBy(() -> read(f)).hasMessageContaining("magic");
    }

    @Test
    void payloadReaderBoundsChecks() {
        Frame f = new PayloadWriter().i32(1_000_000).frame(FrameType.DEVICE_STATE);
        assertThatThrownBy(() -> f.reader().bytes(100)).hasMessageContaining("exceeds 100");
        Frame g = new PayloadWriter().i32(50).frame(FrameType.DEVICE_STATE);
        assertThatThrownBy(() -> g.reader().bytes(100)).hasMessageContaining("truncated");
        Frame h = new PayloadWriter().i32(9_999_999).frame(FrameType.PAGE_REQUEST);
        assertThatThrownBy(() -> Messages.pageRequest(h, 16384))
                .hasMessage("page index 9999999 outside RAM (16384 pages)");
    }

    @Test
    void switchoverBitmapIsChecked() throws Exception {
        long[] words = new long[4];
        words[3] = 1L << 60;
        Frame f = new Messages.Switchover(3, true, words, new long[] {7, 9}).frame(3);
        assertThatThrownBy(() -> Messages.Switchover.decode(f, 200, 2, 3)).hasMessageContaining("outside RAM");
        Messages.Switchover ok = Messages.Switchover.decode(f, 256, 2, 3);
        assertThat(ok.absent()).containsExactly(words);
        assertThat(ok.streamPages()).containsExactly(7, 9);
        assertThatThrownBy(() -> Messages.Switchover.decode(f, 1000, 2, 3)).hasMessageContaining("words");
        assertThatThrownBy(() -> Messages.Switchover.decode(f, 256, 3, 3)).hasMessageContaining("3");
        Frame old = new Messages.Switchover(3, true, words).frame(2);
        assertThat(Messages.Switchover.decode(old, 256, 2, 2).streamPages()).isNull();
    }
}
