package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loads and stores: widths, byte order, extension, alignment, page and RAM boundaries. */
class GuestMemoryAccessTest {

    private static final long BASE = 0x8000_0000L;
    private static final int PAGES = 8;
    private static final long SIZE = (long) PAGES * PAGE_SIZE;

    private final GuestMemory mem = new GuestMemory(BASE, SIZE);

    @Test
    void eachWidthIsLittleEndian() {
        mem.store64(BASE, 0x0807_0605_0403_0201L);
        for (int i = 0; i < 8; i++) {
            assertThat(mem.load8(BASE + i)).isEqualTo(i + 1);
        }
        mem.store32(BASE + 0x100, 0x0403_0201);
        mem.store16(BASE + 0x200, 0x0201);
        mem.store8(BASE + 0x300, 0x01);
        assertThat(bytes(BASE + 0x100, 4)).containsExactly(1, 2, 3, 4);
        assertThat(bytes(BASE + 0x200, 2)).containsExactly(1, 2);
        assertThat(bytes(BASE + 0x300, 1)).containsExactly(1);
        assertThat(mem.load16(BASE + 2)).isEqualTo(0x0403);
        assertThat(mem.load32(BASE + 4)).isEqualTo(0x0807_0605);
        assertThat(mem.load64(BASE)).isEqualTo(0x0807_0605_0403_0201L);
    }

    @Test
    void storesKeepOnlyTheLowBytesAndLeaveNeighboursAlone() {
        mem.store64(BASE, -1L);
        mem.store8(BASE + 1, 0x1234_5600);
        assertThat(mem.load64(BASE)).isEqualTo(0xffff_ffff_ffff_00ffL);
        mem.store16(BASE + 2, 0x7777_0000);
        assertThat(mem.load64(BASE)).isEqualTo(0xffff_ffff_0000_00ffL);
        mem.store(BASE + 4, 4, 0x1_0000_0000L);
        assertThat(mem.load64(BASE)).isEqualTo(0x0000_0000_0000_00ffL);
        mem.store(BASE, 1, 0xabcdL);
        assertThat(mem.load64(BASE)).isEqualTo(0xcdL);
    }

    @Test
    void loadsZeroExtendExceptLoad32WhichReturnsTheRawInt() {
        mem.store64(BASE, -1L);
        assertThat(mem.load8(BASE)).isEqualTo(0xff);
        assertThat(mem.load16(BASE)).isEqualTo(0xffff);
        assertThat(mem.load32(BASE)).isEqualTo(-1);
        assertThat(mem.load64(BASE)).isEqualTo(-1L);
        assertThat(mem.load(BASE, 1)).isEqualTo(0xffL);
        assertThat(mem.load(BASE, 2)).isEqualTo(0xffffL);
        assertThat(mem.load(BASE, 4)).isEqualTo(0xffff_ffffL);
        assertThat(mem.load(BASE, 8)).isEqualTo(-1L);
    }

    @Test
    void badWidthIsRejected() {
        assertThatThrownBy(() -> mem.load(BASE, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> mem.store(BASE, 16, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void misalignedAndPageCrossingAccessesRoundTrip(int width) {
        long mask = width == 8 ? -1L : (1L << (8 * width)) - 1;
        long value = 0x8899_aabb_ccdd_eeffL & mask;
        for (int page = 0; page < PAGES - 1; page++) {
            for (int back = 1; back < 2 * width; back++) {
                long addr = BASE + (long) (page + 1) * PAGE_SIZE - back;
                mem.store(addr, width, value);
                assertThat(mem.load(addr, width)).as("width %d at page end - %d", width, back).isEqualTo(value);
                for (int i = 0; i < width; i++) {
                    assertThat(mem.load8(addr + i)).isEqualTo((int) (value >>> (8 * i)) & 0xff);
                }
                mem.store(addr, width, 0);
            }
        }
        assertThat(mem.load64(BASE + PAGE_SIZE - 8)).isZero();
        assertThat(mem.load64(BASE + PAGE_SIZE)).isZero();
    }

    @Test
    void pageCrossingLoadSeesBothPages() {
        mem.store8(BASE + PAGE_SIZE - 1, 0x11);
        mem.store8(BASE + PAGE_SIZE, 0x22);
        assertThat(mem.load16(BASE + PAGE_SIZE - 1)).isEqualTo(0x2211);
        assertThat(mem.load32(BASE + PAGE_SIZE - 2)).isEqualTo(0x0022_1100);
        assertThat(mem.load64(BASE + PAGE_SIZE - 4)).isEqualTo(0x0000_0022_1100_0000L);
    }

    @Test
    void matchesAByteArrayModelUnderRandomAccesses() {
        byte[] model = new byte[(int) SIZE];
        Random rnd = new Random(42);
        int[] widths = {1, 2, 4, 8};
        for (int n = 0; n < 200_000; n++) {
            int width = widths[rnd.nextInt(4)];
            int off = rnd.nextInt(6) == 0
                    ? PAGE_SIZE * (1 + rnd.nextInt(PAGES - 1)) - rnd.nextInt(8)
                    : rnd.nextInt((int) SIZE - width + 1);
            if (rnd.nextBoolean()) {
                long v = rnd.nextLong();
                mem.store(BASE + off, width, v);
                for (int i = 0; i < width; i++) {
                    model[off + i] = (byte) (v >>> (8 * i));
                }
            } else {
                long expected = 0;
                for (int i = 0; i < width; i++) {
                    expected |= (model[off + i] & 0xffL) << (8 * i);
                }
                assertThat(mem.load(BASE + off, width)).isEqualTo(expected);
            }
        }
        byte[] all = new byte[(int) SIZE];
        mem.readBytes(BASE, all, 0, all.length);
        assertThat(all).isEqualTo(model);
    }

    @Test
    void lastBytesOfRam() {
        long last = BASE + SIZE - 1;
        mem.store8(last, 0x5a);
        assertThat(mem.load8(last)).isEqualTo(0x5a);
        mem.store64(BASE + SIZE - 8, 0x0102_0304_0506_0708L);
        assertThat(mem.load64(BASE + SIZE - 8)).isEqualTo(0x0102_0304_0506_0708L);
        assertThat(mem.load8(last)).isEqualTo(0x01);
        mem.store32(BASE + SIZE - 4, 0xcafe_babe);
        assertThat(mem.load32(BASE + SIZE - 4)).isEqualTo(0xcafe_babe);
        mem.store16(BASE + SIZE - 2, 0xbeef);
        assertThat(mem.load16(BASE + SIZE - 2)).isEqualTo(0xbeef);
    }

    @Test
    void containsChecksBothEnds() {
        assertThat(mem.contains(BASE, 1)).isTrue();
        assertThat(mem.contains(BASE - 1, 1)).isFalse();
        assertThat(mem.contains(BASE - 1, 2)).isFalse();
        assertThat(mem.contains(BASE + SIZE - 1, 1)).isTrue();
        assertThat(mem.contains(BASE + SIZE - 8, 8)).isTrue();
        assertThat(mem.contains(BASE + SIZE - 7, 8)).isFalse();
        assertThat(mem.contains(BASE + SIZE, 1)).isFalse();
        assertThat(mem.contains(BASE + SIZE, 0)).isTrue();
        assertThat(mem.contains(BASE, (int) SIZE)).isTrue();
        assertThat(mem.contains(BASE, (int) SIZE + 1)).isFalse();
        assertThat(mem.contains(0, 1)).isFalse();
        assertThat(mem.contains(Long.MAX_VALUE, 1)).isFalse();
        assertThat(mem.contains(Long.MIN_VALUE, 1)).isFalse();
        assertThat(mem.contains(-1L, 8)).isFalse();
    }

    @Test
    void geometry() {
        assertThat(mem.base()).isEqualTo(BASE);
        assertThat(mem.size()).isEqualTo(SIZE);
        assertThat(mem.pageCount()).isEqualTo(PAGES);
        assertThat(mem.pageIndex(BASE + 3 * PAGE_SIZE + 17)).isEqualTo(3);
        assertThatThrownBy(() -> new GuestMemory(BASE + 1, SIZE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GuestMemory(BASE, SIZE + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GuestMemory(BASE, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bulkCopiesSpanPagesAndCheckRange() {
        byte[] src = new byte[3 * PAGE_SIZE];
        new Random(7).nextBytes(src);
        mem.writeBytes(BASE + 100, src, 0, src.length);
        byte[] back = new byte[src.length + 10];
        mem.readBytes(BASE + 100, back, 10, src.length);
        assertThat(Arrays.copyOfRange(back, 10, back.length)).isEqualTo(src);
        assertThat(mem.load8(BASE + 99)).isZero();
        assertThat(mem.load8(BASE + 100 + src.length)).isZero();
        assertThatThrownBy(() -> mem.readBytes(BASE + SIZE - 1, back, 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> mem.writeBytes(BASE - 1, src, 0, 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> mem.writeBytes(BASE, src, 0, -1))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private int[] bytes(long addr, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = mem.load8(addr + i);
        }
        return out;
    }
}
