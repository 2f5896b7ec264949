package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Allocation on first write, the shared zero page, clear() and loadPage(). */
class GuestMemoryAllocationTest {

    private static final long BASE = 0x8000_0000L;
    private static final int PAGES = 16;

    private final GuestMemory mem = new GuestMemory(BASE, (long) PAGES * PAGE_SIZE);

    private long addr(int page, int off) {
        return BASE + (long) page * PAGE_SIZE + off;
    }

    @Test
    void readsDoNotAllocate() {
        for (int page = 0; page < PAGES; page++) {
            assertThat(mem.load64(addr(page, 8))).isZero();
            assertThat(mem.load8(addr(page, PAGE_SIZE - 1))).isZero();
            if (page < PAGES - 1) {
                assertThat(mem.load(addr(page, PAGE_SIZE - 3), 8 >> (page & 1))).isZero();
            }
        }
        byte[] all = new byte[PAGES * PAGE_SIZE];
        mem.readBytes(BASE, all, 0, all.length);
        byte[] copy = new byte[PAGE_SIZE];
        mem.copyPage(3, copy, 0);
        assertThat(mem.allocatedPages()).isZero();
        for (int page = 0; page < PAGES; page++) {
            assertThat(mem.isAllocated(page)).isFalse();
            assertThat(mem.isZeroPage(page)).isTrue();
        }
    }

    @Test
    void firstWriteAllocatesExactlyThePagesWritten() {
        mem.store32(addr(2, 40), 7);
        assertThat(mem.allocatedPages()).isEqualTo(1);
        assertThat(mem.isAllocated(2)).isTrue();
        mem.store64(addr(2, 80), 9);
        mem.store8(addr(2, 0), 1);
        assertThat(mem.allocatedPages()).isEqualTo(1);
        mem.store16(addr(5, PAGE_SIZE - 1), 0xffff);
        assertThat(mem.allocatedPages()).isEqualTo(3);
        assertThat(mem.isAllocated(5)).isTrue();
        assertThat(mem.isAllocated(6)).isTrue();
        mem.store8(addr(9, 0), 0);
        assertThat(mem.allocatedPages()).as("a zero store still writes").isEqualTo(4);
        assertThat(mem.page(2).byteSize()).isEqualTo(PAGE_SIZE);
        assertThat(mem.page(2).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 40)).isEqualTo((byte) 7);
        byte[] copy = new byte[PAGE_SIZE + 4];
        mem.copyPage(2, copy, 4);
        assertThat(copy[44]).isEqualTo((byte) 7);
    }

    @Test
    void writesNeverLeakIntoTheSharedZeroPage() {
        for (int page = 0; page < PAGES; page += 2) {
            mem.store64(addr(page, 0), -1L);
            mem.store8(addr(page, PAGE_SIZE - 1), 0x7f);
            mem.writeBytes(addr(page, 100), new byte[] {1, 2, 3}, 0, 3);
        }
        for (int page = 1; page < PAGES; page += 2) {
            byte[] copy = new byte[PAGE_SIZE];
            mem.readBytes(addr(page, 0), copy, 0, PAGE_SIZE);
            assertThat(ZeroPage.isZero(copy, 0)).as("page %d", page).isTrue();
            assertThat(mem.isAllocated(page)).isFalse();
        }
        GuestMemory other = new GuestMemory(BASE, PAGE_SIZE);
        assertThat(other.load64(BASE)).isZero();
    }

    @Test
    void clearDropsContentsAndEveryView() {
        List<Integer> modified = new ArrayList<>();
        mem.setCodeWriteListener(modified::add);
        mem.setDirtyLogging(true);
        mem.store64(addr(1, 0), 11);
        mem.fetchAndClearDirtyLog();
        mem.store64(addr(1, 0), 12);
        mem.store64(addr(3, 0), 13);
        mem.reportFree(4);
        mem.watchCode(7);
        mem.setPageSupplier(page -> { });
        mem.markNotPresent(8);

        mem.clear();

        assertThat(modified).containsExactly(7);
        assertThat(mem.allocatedPages()).isZero();
        assertThat(mem.absentPages()).isZero();
        assertThat(mem.isPresent(8)).isTrue();
        assertThat(mem.isReportedFree(4)).isFalse();
        assertThat(mem.load64(addr(1, 0))).isZero();
        assertThat(mem.load64(addr(3, 0))).isZero();
        assertThat(mem.load64(addr(8, 0))).isZero();
        assertThat(mem.fetchAndClearDirtyLog().cardinality()).isZero();

        mem.store64(addr(1, 0), 14);
        assertThat(mem.load64(addr(1, 0))).as("store after clear must land in a fresh page").isEqualTo(14);
        assertThat(mem.allocatedPages()).isEqualTo(1);
        assertThat(mem.fetchAndClearDirtyLog().contains(1)).isTrue();
    }

    @Test
    void loadPageInstallsContentsWithoutDirtying() {
        mem.setDirtyLogging(true);
        byte[] src = new byte[PAGE_SIZE + 16];
        for (int i = 0; i < PAGE_SIZE; i++) {
            src[16 + i] = (byte) (i * 31 + 1);
        }
        mem.loadPage(6, src, 16);
        assertThat(mem.isAllocated(6)).isTrue();
        assertThat(mem.allocatedPages()).isEqualTo(1);
        for (int i = 0; i < PAGE_SIZE; i++) {
            assertThat(mem.load8(addr(6, i))).isEqualTo((i * 31 + 1) & 0xff);
        }
        assertThat(mem.fetchAndClearDirtyLog().cardinality()).isZero();
        mem.store8(addr(6, 0), 0x77);
        assertThat(mem.fetchAndClearDirtyLog().contains(6)).isTrue();
        assertThat(mem.load8(addr(6, 1))).isEqualTo(32);
    }

    @Test
    void loadingAnAllZeroPageFreesItAndLaterStoresStillLand() {
        mem.store64(addr(4, 0), 5);
        mem.store64(addr(4, 8), 6);
        assertThat(mem.allocatedPages()).isEqualTo(1);

        mem.loadPage(4, new byte[PAGE_SIZE], 0);

        assertThat(mem.allocatedPages()).isZero();
        assertThat(mem.isAllocated(4)).isFalse();
        assertThat(mem.load64(addr(4, 0))).isZero();
        mem.store64(addr(4, 16), 7);
        assertThat(mem.load64(addr(4, 16))).isEqualTo(7);
        assertThat(mem.load64(addr(4, 0))).isZero();
        assertThat(mem.allocatedPages()).isEqualTo(1);
        assertThat(mem.load64(addr(5, 16))).isZero();
    }

    @Test
    void loadPageOverAnAllocatedPageReplacesItAndKeepsStoresVisible() {
        mem.store64(addr(3, 0), 1);
        byte[] src = new byte[PAGE_SIZE];
        Arrays.fill(src, (byte) 0x42);
        mem.loadPage(3, src, 0);
        assertThat(mem.allocatedPages()).isEqualTo(1);
        assertThat(mem.load64(addr(3, 0))).isEqualTo(0x4242_4242_4242_4242L);
        mem.store8(addr(3, 0), 0);
        assertThat(mem.load64(addr(3, 0))).isEqualTo(0x4242_4242_4242_4200L);
    }
}
