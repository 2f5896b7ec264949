package dev.ferry.storage.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.RawFileBackend;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Qcow2Image#copyOf}, which makes a template's base: the copy reads back as the source (an overlay is
 * flattened with its backing file), only non-zero clusters are allocated, {@code qemu-img} checks it clean and sees
 * the same bytes, and a failed copy leaves no file.
 */
class Qcow2CopyTest {

    @TempDir
    Path dir;

    @Test
    void aCopyHoldsTheVirtualContentsWithZeroClustersLeftOut() throws Exception {
        QemuTools.assumeInstalled();
        Path raw = dir.resolve("base.raw");
        byte[] a = new byte[100_000];
        new Random(1).nextBytes(a);
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(4L << 20);
            f.seek(70_000);
            f.write(a);
        }
        Path overlay = dir.resolve("over.qcow2");
        Qcow2Image.createOverlay(overlay, raw, "raw");
        byte[] b = new byte[65536];
        new Random(2).nextBytes(b);
        try (Qcow2Backend o = Qcow2Backend.open(overlay, false)) {
            o.write(3L << 20, b, 0, b.length);
            o.flush();
        }
        Path copy = dir.resolve("copy.qcow2");
        List<Long> progress = new ArrayList<>();
        long data;
        try (Qcow2Backend source = Qcow2Backend.open(overlay, true)) {
            data = Qcow2Image.copyOf(copy, source, progress::add);
        }
        assertThat(data).as("two clusters hold the raw data, one the overlay's").isEqualTo(3 * 65536L);
        assertThat(progress).endsWith(4L << 20);
        assertThat(QemuTools.check(dir, copy).status()).isZero();
        assertThat(QemuTools.ok(dir, "qemu-img", "info", copy.toString())).doesNotContain("backing file");
        assertThat(QemuTools.asRaw(dir, copy)).isEqualTo(QemuTools.asRaw(dir, overlay));
        assertThat(Files.size(copy)).as("zero clusters are not written").isLessThan(1L << 20);
    }

    @Test
    void aFailedCopyLeavesNoFile() throws Exception {
        Path raw = dir.resolve("d.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(1L << 20);
        }
        Path copy = dir.resolve("copy.qcow2");
        try (BlockBackend disk = RawFileBackend.open(raw, true)) {
            BlockBackend failing = new BlockBackend() {
                @Override
                public long size() {
                    return disk.size();
                }

                @Override
                public boolean readOnly() {
                    return true;
                }

                @Override
                public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
                    if (offset >= 512 << 10) {
                        throw new IOException("read error");
                    }
                    disk.read(offset, dst, dstOff, len);
                }

                @Override
                public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
                    throw new IOException("read-only");
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            assertThatThrownBy(() -> Qcow2Image.copyOf(copy, failing, done -> { })).hasMessage("read error");
        }
        assertThat(copy).doesNotExist();
    }
}
