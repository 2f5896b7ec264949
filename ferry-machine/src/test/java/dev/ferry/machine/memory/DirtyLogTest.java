package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dirty log, write history and free-page hints. */
class DirtyLogTest {

    private static final long BASE = 0x8000_0000L;
    private static final int PAGES = 200;

    private final GuestMemory mem = new GuestMemory(BASE, (long) PAGES * PAGE_SIZE);

    private long addr(int page, int off) {
        return BASE + (long) page * PAGE_SIZE + off;
    }

    private static List<Integer> pages(DirtyBitmap bitmap) {
        List<Integer> out = new ArrayList<>();
        bitmap.forEach(out::add);
        assertThat(bitmap.cardinality()).isEqualTo(out.size());
        return out;
    }

    @Test
    void offByDefault() {
        assertThat(mem.dirtyLogging()).isFalse();
        mem.store64(addr(1, 0), 1);
        DirtyBitmap log = mem.fetchAndClearDirtyLog();
        assertThat(log.cardinality()).isZero();
        assertThat(log.pageCount()).isEqualTo(PAGES);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void eachWidthMarksExactlyItsPage(int width) {
        mem.setDirtyLogging(true);
        mem.store(addr(3, 8), width, 1);
        mem.store(addr(130, 16), width, 1);
        mem.store(addr(3, 24), width, 1);
        mem.load(addr(4, 0), width);
        DirtyBitmap log = mem.fetchAndClearDirtyLog();
        assertThat(pages(log)).containsExactly(3, 130);
        assertThat(log.contains(3)).isTrue();
        assertThat(log.contains(4)).isFalse();
        assertThat(pages(mem.fetchAndClearDirtyLog())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void pageCrossingStoreMarksBothPages(int width) {
        mem.setDirtyLogging(true);
        mem.store(addr(63, PAGE_SIZE - 1), width, -1L);
        assertThat(pages(mem.fetchAndClearDirtyLog())).containsExactly(63, 64);
        mem.store(addr(63, PAGE_SIZE - 1), width, 0);
        assertThat(pages(mem.fetchAndClearDirtyLog())).containsExactly(63, 64);
    }

    @Test
    void writeBytesMarksEveryPageItSpans() {
        mem.setDirtyLogging(true);
        mem.writeBytes(addr(10, PAGE_SIZE - 2), new byte[2 * PAGE_SIZE + 4], 0, 2 * PAGE_SIZE + 4);
        assertThat(pages(mem.fetchAndClearDirtyLog())).containsExactly(10, 11, 12, 13);
    }

    /**
     * A store that already has fast write access must lose it at the harvest, or the next round's store goes
     * straight to the page without marking it and the page is never sent again.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void writesAfterAHarvestAreSeenInTheNextOne(int width) {
        mem.setDirtyLogging(true);
        for (int round = 0; round < 5; round++) {
            mem.store(addr(7, 0), width, round);
            mem.store(addr(7, 64), width, round);
            mem.store(addr(150, 64), width, round);
            assertThat(pages(mem.fetchAndClearDirtyLog())).as("round %d", round).containsExactly(7, 150);
            assertThat(pages(mem.fetchAndClearDirtyLog())).isEmpty();
        }
        mem.writeBytes(addr(150, 0), new byte[1], 0, 1);
        assertThat(pages(mem.fetchAndClearDirtyLog())).containsExactly(150);
    }

    @Test
    void loggingStartsEmptyEvenWhenPagesWereWrittenBefore() {
        mem.store64(addr(1, 0), 1);
        mem.store64(addr(2, 0), 1);
        mem.setDirtyLogging(true);
        assertThat(pages(mem.fetchAndClearDirtyLog())).isEmpty();
        mem.store64(addr(2, 8), 2);
        assertThat(pages(mem.fetchAndClearDirtyLog())).as("fast access from before logging must be dropped")
                .containsExactly(2);
    }

    @Test
    void restartingLoggingDropsFastAccessGainedWhileOff() {
        mem.setDirtyLogging(true);
        mem.store64(addr(5, 0), 1);
        mem.setDirtyLogging(false);
        mem.store64(addr(6, 0), 1);
        mem.store64(addr(6, 8), 1);
        mem.setDirtyLogging(true);
        assertThat(pages(mem.fetchAndClearDirtyLog())).isEmpty();
        mem.store64(addr(6, 16), 1);
        mem.store64(addr(5, 16), 1);
        assertThat(pages(mem.fetchAndClearDirtyLog())).containsExactly(5, 6);
    }

    @Test
    void loadPageAndSupplyPageAreNotGuestWrites() {
        mem.setDirtyLogging(true);
        byte[] src = new byte[PAGE_SIZE];
        src[0] = 1;
        mem.loadPage(1, src, 0);
        mem.setPageSupplier(page -> { });
        mem.markNotPresent(2);
        mem.supplyPage(2, src, 0);
        assertThat(pages(mem.fetchAndClearDirtyLog())).isEmpty();
    }

    @Test
    void reportedFreeUntilWritten() {
        mem.reportFree(9);
        mem.reportFree(100);
        assertThat(mem.isReportedFree(9)).isTrue();
        assertThat(mem.isReportedFree(100)).isTrue();
        assertThat(mem.isReportedFree(10)).isFalse();
        mem.load64(addr(9, 0));
        assertThat(mem.isReportedFree(9)).isTrue();
        mem.store8(addr(9, 5), 1);
        assertThat(mem.isReportedFree(9)).isFalse();
        assertThat(mem.isReportedFree(100)).isTrue();
        mem.writeBytes(addr(100, 5), new byte[1], 0, 1);
        assertThat(mem.isReportedFree(100)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void writeClearsTheHintOfAPageThatAlreadyHadFastWriteAccess(int width) {
        mem.store(addr(12, 0), width, 1);
        mem.store(addr(12, 8), width, 1);
        mem.reportFree(12);
        assertThat(mem.isReportedFree(12)).isTrue();
        mem.store(addr(12, 16), width, 1);
        assertThat(mem.isReportedFree(12)).isFalse();
    }
}
