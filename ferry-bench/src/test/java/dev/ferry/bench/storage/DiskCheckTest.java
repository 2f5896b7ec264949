package dev.ferry.bench.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskCheckTest {

    private static final DiskPattern PATTERN = new DiskPattern(256 * 4096, 0.5);
    private static final long CAPACITY = 100;

    @TempDir
    Path tmp;

    private Path diskWithRecords(long... records) throws IOException {
        Path disk = tmp.resolve("disk.img");
        PATTERN.write(disk);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            for (long r : records) {
                f.seek(r * 4096);
                f.write(DiskWriter.record(r));
            }
        }
        return disk;
    }

    @Test
    void thePatternHasDataAndHoles() {
        long data = 0;
        for (long i = 0; i < PATTERN.blocks(); i++) {
            data += PATTERN.holdsData(i) ? 1 : 0;
        }
        assertThat(data).isBetween(90L, 166L);
    }

    @Test
    void everyAcknowledgedRecordInOrderAndNothingElseChangedIsConsistent() throws IOException {
        DiskCheck c = DiskCheck.of(diskWithRecords(1, 2, 3, 4, 5), PATTERN, CAPACITY, 5);
        assertThat(c.consistent()).as(c.summary()).isTrue();
        assertThat(c.records()).isEqualTo(5);
        assertThat(c.summary()).startsWith("consistent: records 1..5");
    }

    @Test
    void aMissingRecordBelowTheLastIsAGap() throws IOException {
        DiskCheck c = DiskCheck.of(diskWithRecords(1, 2, 4, 5), PATTERN, CAPACITY, 5);
        assertThat(c.consistent()).isFalse();
        assertThat(c.gaps()).isEqualTo(1);
        assertThat(c.firstBad()).isEqualTo(3);
        assertThat(c.summary()).contains("1 gaps below record 5");
    }

    @Test
    void aDiskEndingBeforeTheLastAcknowledgedRecordLostWrites() throws IOException {
        DiskCheck c = DiskCheck.of(diskWithRecords(1, 2, 3), PATTERN, CAPACITY, 7);
        assertThat(c.consistent()).isFalse();
        assertThat(c.summary()).contains("4 acknowledged records missing");
    }

    @Test
    void aBlockThatLostItsContentsIsBad() throws IOException {
        Path disk = diskWithRecords(1, 2);
        long dataBlock = 200;
        while (!PATTERN.holdsData(dataBlock)) {
            dataBlock++;
        }
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(dataBlock * 4096);
            f.write(new byte[4096]);
        }
        DiskCheck c = DiskCheck.of(disk, PATTERN, CAPACITY, 2);
        assertThat(c.consistent()).isFalse();
        assertThat(c.badBlocks()).isEqualTo(1);
        assertThat(c.firstBad()).isEqualTo(dataBlock);
    }

    @Test
    void aRecordInTheWrongBlockIsBad() throws IOException {
        Path disk = diskWithRecords(1, 2);
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.seek(3 * 4096);
            f.write(DiskWriter.record(9));
        }
        DiskCheck c = DiskCheck.of(disk, PATTERN, CAPACITY, 2);
        assertThat(c.consistent()).isFalse();
        assertThat(c.firstBad()).isEqualTo(3);
    }

    @Test
    void aDiskOfAnotherSizeIsRefused() throws IOException {
        Path disk = tmp.resolve("short.img");
        try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(4096);
        }
        assertThatThrownBy(() -> DiskCheck.of(disk, PATTERN, CAPACITY, 0))
                .isInstanceOf(IOException.class).hasMessageContaining("not the 1048576");
    }
}
