package dev.ferry.storage.qcow2;

import static dev.ferry.storage.qcow2.QemuTools.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.block.BlockBackendException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed and hostile images are refused with one line, never a stack trace or an out-of-memory error. */
class Qcow2HostileTest {

    private static final int CLUSTER = 1 << 16;

    @TempDir
    Path dir;

    @Test
    void truncatedAndForeignFilesAreRefused() throws Exception {
        Path tiny = Files.write(dir.resolve("tiny.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        assertRefused(tiny, "is too short to be a qcow2 image (8 bytes)");
        Path raw = Files.write(dir.resolve("raw.qcow2"), new byte[4096]);
        assertRefused(raw, "is not a qcow2 image (no QFI\\xfb magic)");
        Path cut = image("cut.qcow2");
        try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            ch.truncate(2 * CLUSTER);
        }
        assertRefused(cut, "has the L1 table past the end of the file (offset 196608, 16 bytes, file 131072 bytes)");
    }

    @Test
    void absurdHeaderFieldsAreRefused() throws Exception {
        assertRefused(patched("v4", 4, 4), "has qcow2 version 4 (2 and 3 are supported)");
        assertRefused(patched("bits", 20, 30), "has cluster_bits 30 (9 to 21 are valid)");
        assertRefused(patched64("size", 24, 1L << 62), "has an absurd virtual size (4611686018427387904 bytes)");
        assertRefused(patched("crypt", 32, 1), "is encrypted (encryption is not supported)");
        assertRefused(patched("l1huge", 36, 0x7fffffff), "has an L1 table of 2147483647 entries, more than qemu's "
                + "limit of 32 MiB");
        assertRefused(patched("l1small", 36, 0), "has an L1 table of 0 entries, too small for its size (2 needed)");
        assertRefused(patched64("l1far", 40, 1L << 40), "has the L1 table past the end of the file");
        assertRefused(patched64("l1odd", 40, 3 * CLUSTER + 8), "has the L1 table at an invalid offset 196616");
        assertRefused(patched64("overlap", 48, 3 * CLUSTER), "has the L1 table overlapping the refcount table");
        assertRefused(patched("rtzero", 56, 0), "has a refcount table of 0 clusters (1 to 128 are valid)");
        assertRefused(patched("rthuge", 56, 1 << 30), "has a refcount table of 1073741824 clusters");
        assertRefused(patched("snaps", 60, 1 << 20), "claims 1048576 snapshots");
        assertRefused(patched("order", 96, 9), "has refcount_order 9 (0 to 6 are valid)");
        assertRefused(patched("hlen", 100, 1 << 20), "has an invalid header length 1048576");
        assertRefused(patched64("backing", 8, 3 * CLUSTER), "has an invalid backing file name");
    }

    @Test
    void featuresNotImplementedAreRefusedClearly() throws Exception {
        assertRefused(patched64("ext", 72, 1 << 2), "keeps its data in an external data file (not supported)");
        assertRefused(patched64("l2ext", 72, 1 << 4), "uses extended L2 entries with subclusters (not supported)");
        assertRefused(patched64("zstd", 72, 1 << 3), "uses compression type 0 (not supported)");
        assertRefused(patched64("unknown", 72, 1 << 10), "has unknown incompatible features 0x400");
        Path corrupt = patched64("corrupt", 72, 2);
        assertRefused(corrupt, "is marked corrupt");
        Qcow2Backend.open(corrupt, true).close();
    }

    @Test
    void qemuImagesWithUnsupportedWritingFeaturesOpenReadOnly() throws Exception {
        QemuTools.assumeInstalled();
        Path narrow = dir.resolve("narrow.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "refcount_bits=8", narrow.toString(), "1M");
        assertRefused(narrow, "has 8-bit refcounts; only 16-bit ones (qemu-img's default) can be written (attach "
                + "it with readonly=on)");
        Qcow2Backend.open(narrow, true).close();
        Path snap = dir.resolve("snap.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", snap.toString(), "1M");
        ok(dir, "qemu-img", "snapshot", "-c", "s1", snap.toString());
        assertRefused(snap, "has 1 internal snapshots; only images without them can be written");
        Qcow2Backend.open(snap, true).close();
    }

    @Test
    void badBackingChainsAndEntriesAreRefused() throws Exception {
        Path orphan = dir.resolve("orphan.qcow2");
        Files.write(dir.resolve("gone.raw"), new byte[1 << 20]);
        Qcow2Image.createOverlay(orphan, Path.of("gone.raw"), "raw");
        Files.delete(dir.resolve("gone.raw"));
        assertRefused(orphan, "backing file " + dir.resolve("gone.raw") + " does not exist");

        Path loop = dir.resolve("loop.qcow2");
        Qcow2Image.create(dir.resolve("seed.qcow2"), 1 << 20);
        Qcow2Image.createOverlay(loop, Path.of("seed.qcow2"), "qcow2");
        byte[] name = "loop.qcow2".getBytes();
        try (FileChannel ch = FileChannel.open(loop, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(20);
            ch.read(h, 0);
            long at = h.getLong(8);
            ch.write(ByteBuffer.wrap(name), at);
            ch.write(ByteBuffer.allocate(4).putInt(0, name.length), 16);
        }
        assertRefused(loop, "backing chain deeper than 32 images (a loop?)");

        Path badL1 = image("badl1.qcow2");
        write(badL1, 3 * CLUSTER, ByteBuffer.allocate(8).putLong(0, 1L << 40));
        assertRefused(badL1, "has L1 entry 0 pointing at an invalid L2 table (0x10000000000)");

        Path badL2 = image("badl2.qcow2");
        try (Qcow2Backend b = Qcow2Backend.open(badL2, false)) {
            b.write(0, new byte[512], 0, 512);
        }
        long l2 = readLong(badL2, 3 * CLUSTER) & ClusterMap.OFFSET_MASK;
        write(badL2, l2, ByteBuffer.allocate(8).putLong(0, ClusterMap.COPIED | 0x10000L | 0x20));
        try (Qcow2Backend b = Qcow2Backend.open(badL2, false)) {
            assertThatThrownBy(() -> b.read(0, new byte[512], 0, 512)).isInstanceOf(IOException.class)
                    .hasMessageContaining("corrupt L2 entry");
            b.read(CLUSTER, new byte[512], 0, 512);
        }
    }

    @Test
    void randomlyDamagedImagesFailOnlyWithIoExceptions() throws Exception {
        Path good = dir.resolve("good.qcow2");
        Qcow2Image.create(good, 4L << 20);
        try (Qcow2Backend b = Qcow2Backend.open(good, false)) {
            byte[] data = new byte[8192];
            new Random(1).nextBytes(data);
            for (int i = 0; i < 40; i++) {
                b.write(i * 99_840L, data, 0, data.length);
            }
        }
        byte[] pristine = Files.readAllBytes(good);
        Random r = new Random(3);
        Path victim = dir.resolve("victim.qcow2");
        byte[] buf = new byte[65536];
        for (int round = 0; round < 400; round++) {
            byte[] bytes = pristine.clone();
            for (int k = 1 + r.nextInt(4); k > 0; k--) {
                int at = r.nextBoolean() ? r.nextInt(128) : 3 * CLUSTER + r.nextInt(64)
                        + (r.nextBoolean() ? 0 : 4 * CLUSTER);
                at = Math.min(at, bytes.length - 1);
                bytes[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : bytes[at] ^ (1 << r.nextInt(8)));
            }
            Files.write(victim, bytes);
            boolean readOnly = r.nextBoolean();
            Qcow2Backend b;
            try {
                b = Qcow2Backend.open(victim, readOnly);
            } catch (BlockBackendException e) {
                assertThat(e.getMessage()).doesNotContain("\n").startsWith("qcow2 image " + victim);
                continue;
            }
            try (b) {
                for (long at = 0; at + buf.length <= b.size() && at < (8L << 20); at += 256 * 1024) {
                    try {
                        b.read(at, buf, 0, buf.length);
                        if (!readOnly) {
                            b.write(at + 512, buf, 0, 4096);
                        }
                    } catch (BlockBackendException e) {
                        throw e;
                    } catch (IOException e) {
                        assertThat(e.getMessage()).doesNotContain("\n");
                    }
                }
            } catch (IOException e) {
                assertThat(e.getMessage()).doesNotContain("\n");
            }
        }
    }

    private Path image(String name) throws Exception {
        Path p = dir.resolve(name);
        Qcow2Image.create(p, 1L << 30);
        return p;
    }

    private Path patched(String name, int offset, int value) throws Exception {
        Path p = image(name + ".qcow2");
        write(p, offset, ByteBuffer.allocate(4).putInt(0, value));
        return p;
    }

    private Path patched64(String name, int offset, long value) throws Exception {
        Path p = image(name + ".qcow2");
        write(p, offset, ByteBuffer.allocate(8).putLong(0, value));
        return p;
    }

    private static void write(Path p, long offset, ByteBuffer b) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(b, offset);
        }
    }

    private static long readLong(Path p, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, offset);
            return b.getLong(0);
        }
    }

    private static void assertRefused(Path image, String message) {
        assertThatThrownBy(() -> Qcow2Backend.open(image, false)).isInstanceOf(BlockBackendException.class)
                .hasMessageStartingWith("qcow2 image ").hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
