package dev.ferry.machine.device.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovableDiskTest {

    private static final int BLOCK = MovableDisk.BLOCK_SIZE;

    @TempDir
    Path tmp;

    private MovableDisk disk(long size) throws IOException {
        Path f = tmp.resolve("d" + System.nanoTime() + ".img");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
        }
        return new MovableDisk(RawFileBackend.open(f, false));
    }

    @Test
    void theDirtyLogHoldsEveryBlockAWriteTouchedAndClearsOnHarvest() throws IOException {
        try (MovableDisk d = disk(64 * BLOCK + 512)) {
            assertThat(d.blocks()).isEqualTo(65);
            d.write(0, new byte[512], 0, 512);
            d.startDirtyLog();
            d.write(3 * BLOCK + 3584, new byte[1024], 0, 1024);
            d.writeZeroes(10L * BLOCK, 2 * BLOCK);
            d.write(64L * BLOCK, new byte[512], 0, 512);
            BitSet into = new BitSet();
            d.harvestDirty(into, 100);
            assertThat(into.stream().toArray()).containsExactly(103, 104, 110, 111, 164);
            BitSet again = new BitSet();
            d.harvestDirty(again, 0);
            assertThat(again.isEmpty()).as("a harvest clears the log").isTrue();
            d.stopDirtyLog();
            d.write(0, new byte[512], 0, 512);
            assertThatThrownBy(() -> d.harvestDirty(new BitSet(), 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void theLastBlockIsReadZeroPaddedAndLoadedOnlyUpToTheDiskSize() throws IOException {
        try (MovableDisk d = disk(2 * BLOCK + 1024)) {
            byte[] data = new byte[BLOCK];
            Arrays.fill(data, (byte) 7);
            d.loadBlock(2, data);
            byte[] back = new byte[BLOCK];
            Arrays.fill(back, (byte) 1);
            d.readBlock(2, back);
            assertThat(Arrays.copyOf(back, 1024)).containsOnly(7);
            assertThat(Arrays.copyOfRange(back, 1024, BLOCK)).containsOnly(0);
            assertThat(d.inner().size()).isEqualTo(2 * BLOCK + 1024);
            assertThatThrownBy(() -> d.readBlock(3, back)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aReadOfAnAbsentBlockAsksForItAndWaitsUntilItIsSupplied() throws Exception {
        try (MovableDisk d = disk(8 * BLOCK)) {
            BitSet absent = new BitSet();
            absent.set(50 + 2);
            absent.set(50 + 5);
            absent.set(40);
            List<Integer> asked = new ArrayList<>();
            d.markAbsent(absent, 50);
            d.setSupplier(u -> {
                synchronized (asked) {
                    asked.add(u);
                }
            }, 50);
            assertThat(d.absentBlocks()).isEqualTo(2);
            byte[] got = new byte[BLOCK];
            CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
                try {
                    d.read(2L * BLOCK, got, 0, BLOCK);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                synchronized (asked) {
                    if (!asked.isEmpty()) {
                        break;
                    }
                }
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(1);
            }
            assertThat(asked).containsExactly(52);
            assertThat(read).isNotDone();
            byte[] data = new byte[BLOCK];
            Arrays.fill(data, (byte) 9);
            assertThat(d.supplyBlock(2, data)).isTrue();
            read.get(10, TimeUnit.SECONDS);
            assertThat(got).containsOnly(9);
            assertThat(d.supplyBlock(2, new byte[BLOCK])).as("a block already here is not overwritten").isFalse();
            d.read(2L * BLOCK, got, 0, BLOCK);
            assertThat(got).containsOnly(9);
            assertThat(d.absentBlocks()).isEqualTo(1);
        }
    }

    @Test
    void aWriteCoveringAWholeAbsentBlockMakesItPresentAndThePushedCopyIsIgnored() throws IOException {
        try (MovableDisk d = disk(4 * BLOCK)) {
            BitSet absent = new BitSet();
            absent.set(1);
            d.markAbsent(absent, 0);
            d.setSupplier(u -> {
                throw new AssertionError("a whole-block write must not wait for block " + u);
            }, 0);
            byte[] mine = new byte[BLOCK];
            Arrays.fill(mine, (byte) 5);
            d.write(BLOCK, mine, 0, BLOCK);
            assertThat(d.absentBlocks()).isZero();
            byte[] stale = new byte[BLOCK];
            Arrays.fill(stale, (byte) 6);
            assertThat(d.supplyBlock(1, stale)).isFalse();
            byte[] back = new byte[BLOCK];
            d.read(BLOCK, back, 0, BLOCK);
            assertThat(back).containsOnly(5);
        }
    }

    @Test
    void aZeroBlockForAFreshDiskIsNotWrittenSoTheFileStaysSparse() throws Exception {
        Path f = tmp.resolve("fresh.img");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(1024L * BLOCK);
        }
        try (MovableDisk d = new MovableDisk(RawFileBackend.open(f, false))) {
            d.assumeZero();
            for (int b = 0; b < 1024; b++) {
                d.loadBlock(b, null);
            }
            byte[] data = new byte[BLOCK];
            Arrays.fill(data, (byte) 3);
            d.loadBlock(7, data);
            d.loadBlock(7, null);
            byte[] back = new byte[BLOCK];
            d.readBlock(7, back);
            assertThat(back).as("a block that held data and then arrived as zeros reads zeros").containsOnly(0);
            d.flush();
        }
        Process du = new ProcessBuilder("du", "-B1", f.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes()).trim();
        assertThat(du.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long allocated = Long.parseLong(out.split("\\s+")[0]);
        assertThat(allocated).as("bytes allocated for 4 MiB of zero blocks").isLessThan(256 * 1024);
    }
}
