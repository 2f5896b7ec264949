package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Code-cache coherence: writes to watched pages notify the listener. */
class CodeWatchTest {

    private static final long BASE = 0x8000_0000L;

    private final GuestMemory mem = new GuestMemory(BASE, 8L * PAGE_SIZE);
    private final List<Integer> modified = new ArrayList<>();

    @BeforeEach
    void listen() {
        mem.setCodeWriteListener(modified::add);
    }

    private long addr(int page, int off) {
        return BASE + (long) page * PAGE_SIZE + off;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void storeToWatchedPageNotifiesOnceAndLands(int width) {
        mem.store(addr(2, 64), width, 1);
        mem.watchCode(2);
        assertThat(modified).isEmpty();

        mem.store(addr(2, 64), width, 0x5a);

        assertThat(modified).containsExactly(2);
        assertThat(mem.load(addr(2, 64), width)).isEqualTo(0x5a);
        mem.store(addr(2, 72), width, 0x5b);
        assertThat(modified).containsExactly(2);
        assertThat(mem.load(addr(2, 72), width)).isEqualTo(0x5b);
    }

    @Test
    void watchingAgainNotifiesAgain() {
        mem.watchCode(1);
        mem.store32(addr(1, 0), 1);
        mem.watchCode(1);
        mem.store32(addr(1, 0), 2);
        assertThat(modified).containsExactly(1, 1);
        assertThat(mem.load32(addr(1, 0))).isEqualTo(2);
    }

    @Test
    void storeToAnotherPageDoesNotNotify() {
        mem.watchCode(3);
        mem.store64(addr(2, 0), 1);
        mem.store64(addr(4, 0), 1);
        mem.store8(addr(2, PAGE_SIZE - 1), 1);
        mem.load64(addr(3, 0));
        assertThat(modified).isEmpty();
    }

    @Test
    void pageCrossingStoreNotifiesTheWatchedHalf() {
        mem.store64(addr(5, 0), 0);
        mem.watchCode(5);
        mem.store64(addr(5, -4), -1L);
        assertThat(modified).containsExactly(5);
        assertThat(mem.load32(addr(5, 0))).isEqualTo(-1);
    }

    @Test
    void bulkWriteLoadPageAndMarkNotPresentNotify() {
        mem.watchCode(1);
        mem.writeBytes(addr(1, 10), new byte[] {9, 9}, 0, 2);
        assertThat(modified).containsExactly(1);
        assertThat(mem.load16(addr(1, 10))).isEqualTo(0x0909);

        mem.watchCode(2);
        mem.loadPage(2, new byte[PAGE_SIZE], 0);
        assertThat(modified).containsExactly(1, 2);

        mem.watchCode(3);
        mem.setPageSupplier(page -> { });
        mem.markNotPresent(3);
        assertThat(modified).containsExactly(1, 2, 3);
    }
}
