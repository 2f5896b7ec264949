package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Post-copy: absent pages block accesses until another thread supplies them. */
@Timeout(30)
class NotPresentPagesTest {

    private static final long BASE = 0x8000_0000L;
    private static final int PAGES = 512;

    private final GuestMemory mem = new GuestMemory(BASE, (long) PAGES * PAGE_SIZE);
    private final BlockingQueue<Integer> requests = new LinkedBlockingQueue<>();

    private long addr(int page, int off) {
        return BASE + (long) page * PAGE_SIZE + off;
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[PAGE_SIZE];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private <T> CompletableFuture<T> onVcpu(Supplier<T> access) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(access.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "vcpu");
        t.setDaemon(true);
        t.start();
        return result;
    }

    /** Waits for the vCPU to ask for {@code page}, then checks it stays blocked for a while. */
    private void awaitRequestAndBlocked(int page, CompletableFuture<?> access) throws InterruptedException {
        assertThat(requests.poll(10, TimeUnit.SECONDS)).isEqualTo(page);
        Thread.sleep(50);
        assertThat(access).isNotDone();
    }

    @Test
    void markNotPresentDropsContents() {
        mem.setPageSupplier(requests::add);
        mem.store64(addr(3, 0), 0x1234);
        mem.store64(addr(4, 0), 0x5678);
        assertThat(mem.allocatedPages()).isEqualTo(2);

        mem.markNotPresent(3);
        mem.markNotPresent(3);

        assertThat(mem.isPresent(3)).isFalse();
        assertThat(mem.isPresent(4)).isTrue();
        assertThat(mem.absentPages()).isEqualTo(1);
        assertThat(mem.allocatedPages()).isEqualTo(1);
        assertThat(mem.isAllocated(3)).isFalse();
        assertThat(mem.supplyPage(3, null, 0)).isTrue();
        assertThat(mem.load64(addr(3, 0))).isZero();
        assertThat(mem.load64(addr(4, 0))).isEqualTo(0x5678);
        assertThat(requests).isEmpty();
    }

    @Test
    void loadBlocksUntilSupplied() throws Exception {
        mem.setPageSupplier(requests::add);
        mem.markNotPresent(17);
        CompletableFuture<Long> load = onVcpu(() -> mem.load64(addr(17, 8)));

        awaitRequestAndBlocked(17, load);
        byte[] src = new byte[PAGE_SIZE + 3];
        src[3 + 8] = 0x44;
        src[3 + 15] = 0x11;
        assertThat(mem.supplyPage(17, src, 3)).isTrue();

        assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo(0x1100_0000_0000_0044L);
        assertThat(requests).isEmpty();
        assertThat(mem.isPresent(17)).isTrue();
        assertThat(mem.absentPages()).isZero();
        assertThat(mem.allocatedPages()).isEqualTo(1);
        src[3 + 8] = 0;
        assertThat(mem.load8(addr(17, 8))).as("supplied bytes are copied").isEqualTo(0x44);
    }

    @Test
    void pageCrossingLoadBlocksOnTheAbsentHalf() throws Exception {
        mem.setPageSupplier(requests::add);
        mem.store8(addr(20, PAGE_SIZE - 1), 0x0a);
        mem.markNotPresent(21);
        CompletableFuture<Integer> load = onVcpu(() -> mem.load16(addr(20, PAGE_SIZE - 1)));

        awaitRequestAndBlocked(21, load);
        mem.supplyPage(21, filled(0x0b), 0);

        assertThat(load.get(10, TimeUnit.SECONDS)).isEqualTo(0x0b0a);
    }

    @Test
    void storeBlocksThenLandsOnTopOfTheSuppliedContents() throws Exception {
        mem.setPageSupplier(requests::add);
        mem.store8(addr(40, 0), 1);
        mem.markNotPresent(40);
        CompletableFuture<Boolean> store = onVcpu(() -> {
            mem.store16(addr(40, 100), 0x1122);
            return true;
        });

        awaitRequestAndBlocked(40, store);
        mem.supplyPage(40, filled(0xab), 0);
        store.get(10, TimeUnit.SECONDS);

        byte[] expected = filled(0xab);
        expected[100] = 0x22;
        expected[101] = 0x11;
        byte[] actual = new byte[PAGE_SIZE];
        mem.readBytes(addr(40, 0), actual, 0, PAGE_SIZE);
        assertThat(actual).isEqualTo(expected);
        assertThat(mem.allocatedPages()).isEqualTo(1);
    }

    @Test
    void storeToAPageSuppliedAsZeroAllocatesAFreshPage() throws Exception {
        mem.setPageSupplier(requests::add);
        mem.markNotPresent(41);
        CompletableFuture<Boolean> store = onVcpu(() -> {
            mem.store64(addr(41, 8), -1L);
            return true;
        });

        awaitRequestAndBlocked(41, store);
        mem.supplyPage(41, null, 0);
        store.get(10, TimeUnit.SECONDS);

        assertThat(mem.load64(addr(41, 8))).isEqualTo(-1L);
        assertThat(mem.load64(addr(41, 0))).isZero();
        assertThat(mem.load64(addr(42, 8))).as("the zero page stays zero").isZero();
        assertThat(mem.allocatedPages()).isEqualTo(1);
    }

    @Test
    void hostBulkReadBlocksToo() throws Exception {
        mem.setPageSupplier(requests::add);
        mem.markNotPresent(50);
        CompletableFuture<byte[]> read = onVcpu(() -> {
            byte[] out = new byte[16];
            mem.readBytes(addr(50, PAGE_SIZE - 8), out, 0, 16);
            return out;
        });

        awaitRequestAndBlocked(50, read);
        mem.supplyPage(50, filled(3), 0);

        assertThat(read.get(10, TimeUnit.SECONDS)).containsExactly(3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void supplyingAPresentPageChangesNothing() {
        mem.store64(addr(5, 0), 77);
        assertThat(mem.supplyPage(5, filled(9), 0)).isFalse();
        assertThat(mem.supplyPage(6, filled(9), 0)).isFalse();
        assertThat(mem.load64(addr(5, 0))).isEqualTo(77);
        assertThat(mem.load64(addr(6, 0))).isZero();
        assertThat(mem.allocatedPages()).isEqualTo(1);
        assertThat(mem.absentPages()).isZero();

        mem.setPageSupplier(requests::add);
        mem.markNotPresent(7);
        assertThat(mem.supplyPage(7, filled(1), 0)).isTrue();
        mem.store8(addr(7, 0), 2);
        assertThat(mem.supplyPage(7, filled(1), 0)).as("second supply is ignored").isFalse();
        assertThat(mem.load8(addr(7, 0))).isEqualTo(2);
    }

    @Test
    void nullOrAllZeroSupplyIsTheZeroPage() {
        mem.setPageSupplier(requests::add);
        mem.store8(addr(8, 0), 1);
        mem.store8(addr(9, 0), 1);
        mem.markNotPresent(8);
        mem.markNotPresent(9);
        assertThat(mem.allocatedPages()).isZero();

        assertThat(mem.supplyPage(8, null, 0)).isTrue();
        assertThat(mem.supplyPage(9, new byte[PAGE_SIZE], 0)).isTrue();

        assertThat(mem.allocatedPages()).isZero();
        assertThat(mem.isAllocated(8)).isFalse();
        assertThat(mem.load64(addr(8, 0))).isZero();
        assertThat(mem.load64(addr(9, 0))).isZero();
        assertThat(mem.absentPages()).isZero();
    }

    @Test
    void absentPageWithoutSupplierFailsInsteadOfHanging() {
        mem.markNotPresent(2);
        assertThatThrownBy(() -> mem.load8(addr(2, 0))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> mem.store8(addr(2, 0), 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void loadPageMakesAnAbsentPagePresent() {
        mem.setPageSupplier(requests::add);
        mem.markNotPresent(30);
        mem.markNotPresent(31);
        assertThat(mem.absentPages()).isEqualTo(2);

        mem.loadPage(30, filled(6), 0);
        mem.loadPage(31, new byte[PAGE_SIZE], 0);

        assertThat(mem.isPresent(30)).isTrue();
        assertThat(mem.isPresent(31)).isTrue();
        assertThat(mem.absentPages()).isZero();
        assertThat(mem.supplyPage(30, filled(7), 0)).isFalse();
        assertThat(mem.load8(addr(30, 0))).isEqualTo(6);
        assertThat(mem.load8(addr(31, 0))).isZero();
        assertThat(requests).isEmpty();
    }

    @Test
    void manyPagesFromAConcurrentSupplierInRandomOrder() throws Exception {
        for (int page = 0; page < PAGES; page++) {
            mem.store32(addr(page, 0), page);
        }
        for (int page = 0; page < PAGES; page++) {
            mem.markNotPresent(page);
        }
        assertThat(mem.absentPages()).isEqualTo(PAGES);
        mem.setPageSupplier(requests::add);

        List<Integer> order = new ArrayList<>();
        for (int page = 0; page < PAGES; page++) {
            order.add(page);
        }
        Collections.shuffle(order, new Random(3));
        Thread supplier = new Thread(() -> {
            for (int page : order) {
                Integer urgent;
                while ((urgent = requests.poll()) != null) {
                    mem.supplyPage(urgent, pageContents(urgent), 0);
                }
                mem.supplyPage(page, pageContents(page), 0);
                Thread.onSpinWait();
            }
        }, "supplier");
        supplier.start();

        CompletableFuture<Boolean> vcpu = onVcpu(() -> {
            for (int page = PAGES - 1; page >= 0; page--) {
                if (page % 3 == 0) {
                    mem.store8(addr(page, 5), 0xee);
                } else {
                    assertThat(mem.load32(addr(page, 0))).isEqualTo(page ^ 0x5a5a);
                }
            }
            return true;
        });

        assertThat(vcpu.get(20, TimeUnit.SECONDS)).isTrue();
        supplier.join(20_000);
        assertThat(mem.absentPages()).isZero();
        for (int page = 0; page < PAGES; page++) {
            byte[] expected = pageContents(page);
            if (page % 3 == 0) {
                expected[5] = (byte) 0xee;
            }
            byte[] actual = new byte[PAGE_SIZE];
            mem.readBytes(addr(page, 0), actual, 0, PAGE_SIZE);
            assertThat(actual).as("page %d", page).isEqualTo(expected);
        }
    }

    private static byte[] pageContents(int page) {
        byte[] b = new byte[PAGE_SIZE];
        int v = page ^ 0x5a5a;
        for (int i = 0; i < PAGE_SIZE; i += 4) {
            b[i] = (byte) v;
            b[i + 1] = (byte) (v >>> 8);
            b[i + 2] = (byte) (v >>> 16);
            b[i + 3] = (byte) (v >>> 24);
        }
        return b;
    }
}
