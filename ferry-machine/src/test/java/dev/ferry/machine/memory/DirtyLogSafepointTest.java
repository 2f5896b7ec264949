package dev.ferry.machine.memory;

import static dev.ferry.machine.memory.GuestMemory.PAGE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The documented threading rule: a vCPU thread stores continuously and stops at a safepoint when asked; the
 * migration thread harvests the dirty log only while the vCPU is parked there. Every page the vCPU wrote
 * between two harvests must be in the second one, and nothing else.
 */
class DirtyLogSafepointTest {

    private static final long BASE = 0x8000_0000L;
    private static final int PAGES = 256;
    private static final int ROUNDS = 300;

    private final GuestMemory mem = new GuestMemory(BASE, (long) PAGES * PAGE_SIZE);

    /** A vCPU stand-in that stores at random and parks at a safepoint on request. */
    private final class Writer implements Runnable {
        final CyclicBarrier stopped = new CyclicBarrier(2);
        final CyclicBarrier resumed = new CyclicBarrier(2);
        final BitSet writtenThisRound = new BitSet(PAGES);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean safepointRequested;
        volatile boolean done;
        long stores;

        @Override
        public void run() {
            SplittableRandom rnd = new SplittableRandom(1);
            int[] widths = {1, 2, 4, 8};
            try {
                while (!done) {
                    if (safepointRequested) {
                        stopped.await(10, TimeUnit.SECONDS);
                        resumed.await(10, TimeUnit.SECONDS);
                        continue;
                    }
                    int hot = rnd.nextInt(8);
                    int page = hot < 6 ? hot * 5 : rnd.nextInt(PAGES);
                    int width = widths[rnd.nextInt(4)];
                    int off = rnd.nextInt(PAGE_SIZE);
                    if (page == PAGES - 1) {
                        off = Math.min(off, PAGE_SIZE - width);
                    }
                    mem.store(BASE + (long) page * PAGE_SIZE + off, width, stores);
                    writtenThisRound.set(page);
                    if (off + width > PAGE_SIZE) {
                        writtenThisRound.set(page + 1);
                    }
                    stores++;
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }
    }

    @Test
    @Timeout(60)
    void everyPageWrittenBetweenTwoHarvestsIsInTheSecond() throws Exception {
        mem.setDirtyLogging(true);
        Writer writer = new Writer();
        Thread vcpu = new Thread(writer, "vcpu");
        vcpu.start();
        SplittableRandom rnd = new SplittableRandom(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                long spin = System.nanoTime() + rnd.nextInt(200_000);
                while (System.nanoTime() < spin) {
                    Thread.onSpinWait();
                }
                writer.safepointRequested = true;
                writer.stopped.await(10, TimeUnit.SECONDS);
                writer.safepointRequested = false;

                DirtyBitmap log = mem.fetchAndClearDirtyLog();
                BitSet harvested = new BitSet(PAGES);
                log.forEach(harvested::set);
                assertThat(harvested).as("round %d", round).isEqualTo(writer.writtenThisRound);
                writer.writtenThisRound.clear();

                writer.resumed.await(10, TimeUnit.SECONDS);
            }
        } finally {
            writer.done = true;
            vcpu.join(10_000);
        }
        assertThat(writer.failure.get()).isNull();
        assertThat(writer.stores).isGreaterThan(ROUNDS);
    }
}
