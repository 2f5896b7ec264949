package dev.ferry.migration.transfer;


import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.PayloadWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EncodingTest {

    private static final int PAGE = GuestMemory.PAGE_SIZE;

    private static byte[] random(long seed) {
        byte[] b = new byte[PAGE];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void xbzrleRoundTripsScatteredChanges() throws Exception {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            byte[] old = random(trial);
            byte[] now = old.clone();
            int changes = rnd.nextInt(40);
            for (int i = 0; i < changes; i++) {
                now[rnd.nextInt(PAGE)] ^= (byte) (1 + rnd.nextInt(255));
            }
            byte[] out = new byte[PAGE];
            int n = Xbzrle.encode(old, now, out, PAGE);
            assertThat(n).isBetween(0, changes * 8);
            byte[] rebuilt = old.clone();
            Xbzrle.decode(out, 0, n, rebuilt);
            assertThat(rebuilt).isEqualTo(now);
        }
    }

    @Test
    void xbzrleWorstCaseGivesUp() throws Exception {
        byte[] old = new byte[PAGE];
        byte[] now = new byte[PAGE];
        for (int i = 0; i < PAGE; i += 2) {
            now[i] = 1;
        }
        byte[] out = new byte[2 * PAGE];
        assertThat(Xbzrle.encode(old, now, out, PAGE - 256)).isEqualTo(-1);
        int n = Xbzrle.encode(old, now, out, 2 * PAGE);
        byte[] rebuilt = old.clone();
        Xbzrle.decode(out, 0, n, rebuilt);
        assertThat(rebuilt).isEqualTo(now);
        assertThat(Xbzrle.encode(old, random(3), out, PAGE - 256)).isEqualTo(-1);
        assertThat(Xbzrle.encode(now, now, out, PAGE)).isZero();
    }

    @Test
    void xbzrleRejectsHostileDeltas() {
        byte[] page = new byte[PAGE];
        byte[] outside = new byte[8];
        int o = Xbzrle.putVarint(outside, 0, 4000);
        o = Xbzrle.putVarint(outside, o, 200);
        int len = o;
        assertThatThrownBy(() -> Xbzrle.decode(outside, 0, len, page)).hasMessageContaining("outside the page");
        byte[] truncated = {0, 10, 1, 2};
        assertThatThrownBy(() -> Xbzrle.decode(truncated, 0, 4, page)).hasMessageContaining("truncated");
        byte[] longVarint = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> Xbzrle.decode(longVarint, 0, 4, page)).isInstanceOf(Exception.class);
    }

    /** Encodes pages the way the source does and applies them the way the target does. */
    @Test
    void encoderAndApplierAgreeOnEveryEncoding() throws Exception {
        GuestMemory target = new GuestMemory(0x8000_0000L, 64 * PAGE);
        PageEncoder enc = new PageEncoder(true, true, true, 16);
        List<byte[]> versions = new ArrayList<>();
        byte[] text = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            text[i] = (byte) ("abcdefgh".charAt(i % 8));
        }
        byte[] textChanged = text.clone();
        textChanged[100] = 'Z';
        versions.add(new byte[PAGE]);
        versions.add(random(1));
        versions.add(text);
        versions.add(textChanged);
        versions.add(random(2));
        List<Encoding> used = new ArrayList<>();
        for (byte[] v : versions) {
            PageBatchWriter w = new PageBatchWriter(1);
            PageEncoder.Encoded e = enc.encode(5, v.clone(), true);
            used.add(e.encoding());
            w.add(5, e.encoding(), e.data(), e.offset(), e.length());
            new PageApplier(target).apply(w.frame(), false, p -> { });
            byte[] got = new byte[PAGE];
            target.copyPage(5, got, 0);
            assertThat(got).isEqualTo(v);
        }
        assertThat(used).containsExactly(Encoding.ZERO, Encoding.RAW, Encoding.LZ4, Encoding.XBZRLE, Encoding.RAW);
    }

    /** The memory-reading path: raw straight from guest memory, zero pages without bytes, the same on arrival. */
    @Test
    void encodingFromGuestMemory() throws Exception {
        GuestMemory source = new GuestMemory(0x8000_0000L, 8 * PAGE);
        GuestMemory target = new GuestMemory(0x8000_0000L, 8 * PAGE);
        source.writeBytes(0x8000_0000L + PAGE, random(9), 0, PAGE);
        source.writeBytes(0x8000_0000L + 2 * PAGE, new byte[PAGE], 0, PAGE);
        for (boolean[] flags : new boolean[][] {{true, false, false}, {false, false, false}, {true, true, true}}) {
            PageEncoder enc = new PageEncoder(flags[0], flags[1], flags[2], 4);
            PageBatchWriter w = new PageBatchWriter(1);
            for (int p = 0; p < 4; p++) {
                enc.encodeInto(source, p, true, w);
            }
            target.clear();
            new PageApplier(target).apply(w.frame(), false, p -> { });
            for (int p = 0; p < 4; p++) {
                byte[] a = new byte[PAGE];
                byte[] b = new byte[PAGE];
                source.copyPage(p, a, 0);
                target.copyPage(p, b, 0);
                assertThat(b).as("page %d", p).isEqualTo(a);
            }
        }
    }

    @Test
    void applierRejectsHostileBatches() {
        GuestMemory m = new GuestMemory(0x8000_0000L, 16 * PAGE);
        PageApplier a = new PageApplier(m);
        Frame outside = new PayloadWriter().i32(1).u16(1).i32(9_999_999).u8(0).bytes(new byte[PAGE])
                .frame(FrameType.PAGES);
        assertThatThrownBy(() -> a.apply(outside, false, p -> { }))
                .hasMessage("page index 9999999 outside RAM (16 pages)");
        Frame shortRaw = new PayloadWriter().i32(1).u16(1).i32(0).u8(0).bytes(new byte[10]).frame(FrameType.PAGES);
        assertThatThrownBy(() -> a.apply(shortRaw, false, p -> { })).hasMessageContaining("raw page 0 of 10 bytes");
        Frame badLz4 = new PayloadWriter().i32(1).u16(1).i32(0).u8(3).bytes(random(5), 0, 100).frame(FrameType.PAGES);
        assertThatThrownBy(() -> a.apply(badLz4, false, p -> { })).hasMessageContaining("LZ4");
        Frame unknown = new PayloadWriter().i32(1).u16(1).i32(0).u8(77).bytes(new byte[0]).frame(FrameType.PAGES);
        assertThatThrownBy(() -> a.apply(unknown, false, p -> { })).hasMessageContaining("unknown page encoding 77");
        Frame huge = new PayloadWriter().i32(1).u16(1).i32(0).u8(0).i32(Integer.MAX_VALUE).frame(FrameType.PAGES);
        assertThatThrownBy(() -> a.apply(huge, false, p -> { })).hasMessageContaining("page length");
        Frame tooMany = new PayloadWriter().i32(1).u16(60000).frame(FrameType.PAGES);
        assertThatThrownBy(() -> a.apply(tooMany, false, p -> { })).hasMessageContaining("60000 pages");
    }

    @Test
    void rateLimiterHoldsTheRateLooselyAndUnlimitedDoesNotWait() throws Exception {
        TokenBucket unlimited = new TokenBucket(0);
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            unlimited.acquire(1 << 20);
        }
        assertThat((System.nanoTime() - t0) / 1e6).isLessThan(200);
        TokenBucket b = new TokenBucket(80_000_000L);
        t0 = System.nanoTime();
        for (int i = 0; i < 40; i++) {
            b.acquire(64 * 1024);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(secs).as("2.5 MiB at 10 MB/s").isBetween(0.15, 1.5);
    }

    /** A round's first megabyte does not go out at twice the cap because a rate change refilled the bucket. */
    @Test
    void aNewRoundGetsNoFreeBurst() throws Exception {
        TokenBucket b = new TokenBucket(200_000_000L);
        long t0 = System.nanoTime();
        for (int i = 0; i < 16; i++) {
            if (i % 4 == 0) {
                b.setRate(200_000_000L);
            }
            b.acquire(64 * 1024);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double mbits = 16 * 64 * 1024 * 8 / secs / 1e6;
        assertThat(mbits).as("1 MiB at a 200 Mbit/s cap").isLessThan(240);
    }
}
