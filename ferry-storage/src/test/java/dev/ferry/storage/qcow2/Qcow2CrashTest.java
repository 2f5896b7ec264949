package dev.ferry.storage.qcow2;

import static dev.ferry.storage.qcow2.QemuTools.asRaw;
import static dev.ferry.storage.qcow2.QemuTools.check;
import static dev.ferry.storage.qcow2.QemuTools.ok;
import static dev.ferry.storage.qcow2.QemuTools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host killed at any write of a qcow2 update: the image {@code qemu-img check} sees has no corruption (leaks
 * allowed), every write acknowledged by a flush reads back, and no other byte changed.
 */
class Qcow2CrashTest {

    private static final int KIB = 1024;

    @TempDir
    Path dir;

    @BeforeEach
    void needQemu() {
        QemuTools.assumeInstalled();
    }

    /** One step of the workload after the image's first flush: a write, or a flush when {@code data} is null. */
    private record Op(long offset, byte[] data) {
        boolean flush() {
            return data == null;
        }
    }

    @Test
    void aCrashAtAnyWriteOverABackingFileLeavesACleanImage() throws Exception {
        Path base = dir.resolve("base.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "4M");
        qemuIo(dir, base, "write -P 0xab 0 1M", "write -P 0x5a 3M 1M");
        Path pristine = dir.resolve("pristine.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", "-b", "base.qcow2", "-F",
                "qcow2", pristine.toString());
        Random r = new Random(5);
        List<Op> first = disjointWrites(r, 4 << 20, 6, 0);
        List<Op> ops = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            ops.addAll(disjointWrites(r, 4 << 20, 5, round + 1));
            ops.add(new Op(0, null));
        }
        crashEverywhere(pristine, first, ops, 80, false);
    }

    @Test
    void aCrashWhileRefcountBlocksAndTheRefcountTableGrowLeavesACleanImage() throws Exception {
        Path pristine = dir.resolve("pristine.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", pristine.toString(), "12M");
        List<Op> first = new ArrayList<>();
        byte[] chunk = new byte[64 * KIB];
        for (long at = 0; at < 7808 * KIB; at += chunk.length) {
            first.add(new Op(at, chunk.clone()));
        }
        List<Op> ops = new ArrayList<>();
        Random r = new Random(9);
        for (long at = 7808 * KIB; at < 8704 * KIB; at += 32 * KIB) {
            byte[] data = new byte[32 * KIB];
            r.nextBytes(data);
            ops.add(new Op(at, data));
            if (ops.size() % 8 == 0) {
                ops.add(new Op(0, null));
            }
        }
        ops.add(new Op(0, null));
        crashEverywhere(pristine, first, ops, 40, true);
    }

    @Test
    void anImageQemuLeftDirtyIsRecountedBeforeFerryWritesIt() throws Exception {
        Path image = dir.resolve("lazy.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on", image.toString(), "4M");
        QemuTools.Result aborted = QemuTools.run(dir, "qemu-io", "-f", "qcow2", "-c", "write -P 0xab 0 1M", "-c",
                "write -P 0xcd 3M 64k", "-c", "abort", image.toString());
        assertThat(aborted.status()).as("qemu-io aborted").isNotZero();
        assertThat(check(dir, image).status()).as("qemu leaves refcounts to repair").isEqualTo(2);
        try (Qcow2Backend b = Qcow2Backend.open(image, true)) {
            assertThat(b.header().incompatibleFeatures() & Qcow2Header.DIRTY).isEqualTo(Qcow2Header.DIRTY);
        }
        byte[] model = new byte[4 << 20];
        Arrays.fill(model, 0, 1 << 20, (byte) 0xab);
        Arrays.fill(model, 3 << 20, (3 << 20) + 65536, (byte) 0xcd);
        try (Qcow2Backend b = Qcow2Backend.open(image, false)) {
            byte[] data = new byte[200_000];
            new Random(4).nextBytes(data);
            b.write(900 * KIB, data, 0, data.length);
            System.arraycopy(data, 0, model, 900 * KIB, data.length);
        }
        QemuTools.Result check = check(dir, image);
        assertThat(check.status()).as(check.output()).isZero();
        assertThat(asRaw(dir, image)).isEqualTo(model);
        try (Qcow2Backend b = Qcow2Backend.open(image, true)) {
            assertThat(b.header().incompatibleFeatures() & Qcow2Header.DIRTY).isZero();
        }
    }

    @Test
    void writesThatFailNowAndThenLeaveAConsistentImage() throws Exception {
        Path image = dir.resolve("flaky.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512", image.toString(), "12M");
        byte[] model = new byte[12 << 20];
        boolean[] either = new boolean[model.length];
        Random r = new Random(21);
        for (int k : new int[] {3, 5, 7, 11, 13}) {
            CrashingFile file = new CrashingFile(image);
            try (Qcow2Backend b = Qcow2Backend.open(file, image, false, 0)) {
                file.failEvery(k);
                for (int i = 0; i < 300; i++) {
                    int len = (1 + r.nextInt(64)) * 512;
                    int at = r.nextInt((model.length - len) / 512) * 512;
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    try {
                        b.write(at, data, 0, len);
                        Arrays.fill(either, at, at + len, false);
                    } catch (IOException e) {
                        assertThat(e).hasMessageContaining("simulated");
                        Arrays.fill(either, at, at + len, true);
                    }
                    System.arraycopy(data, 0, model, at, len);
                }
                file.failEvery(0);
                assertThat(file.failures()).isPositive();
            }
            QemuTools.Result check = check(dir, image);
            assertThat(check.status()).as("every " + k + "th write failing: " + check.output()).isIn(0, 3);
            byte[] disk = asRaw(dir, image);
            for (int i = 0; i < disk.length; i++) {
                if (disk[i] != model[i] && !either[i]) {
                    throw new AssertionError("byte " + i + " lost with every " + k + "th write failing");
                }
            }
            System.arraycopy(disk, 0, model, 0, disk.length);
            Arrays.fill(either, false);
        }
    }

    /**
     * Writes {@code first} to a copy of {@code pristine} and closes it; then, on copies of that image, runs
     * {@code ops} and crashes at every write (or about {@code samples} of them, always including those next to a
     * force), and checks the image each crash leaves; {@code tableMoves} says whether the ops move the refcount
     * table.
     */
    private void crashEverywhere(Path pristine, List<Op> first, List<Op> ops, int samples, boolean tableMoves)
            throws Exception {
        byte[] before = asRaw(dir, pristine);
        Path start = dir.resolve("start.qcow2");
        Files.copy(pristine, start);
        try (Qcow2Backend b = Qcow2Backend.open(start, false)) {
            for (Op op : first) {
                b.write(op.offset(), op.data(), 0, op.data().length);
                System.arraycopy(op.data(), 0, before, (int) op.offset(), op.data().length);
            }
        }
        Path image = dir.resolve("image.qcow2");
        Files.copy(start, image, StandardCopyOption.REPLACE_EXISTING);
        CrashingFile dry = new CrashingFile(image);
        List<Long> flushedAt = new ArrayList<>();
        runWithCrash(dry, image, ops, Long.MAX_VALUE, flushedAt);
        assertThat(refcountTable(image) != refcountTable(start)).as("the refcount table moved").isEqualTo(tableMoves);
        long total = dry.writes();
        TreeSet<Long> points = new TreeSet<>();
        long stride = Math.max(1, total / samples);
        for (long n = 0; n <= total; n += stride) {
            points.add(n);
        }
        points.add(total);
        for (long f : dry.forces()) {
            for (long n = f - 2; n <= f + 2; n++) {
                if (n >= 0 && n <= total) {
                    points.add(n);
                }
            }
        }
        for (long n : points) {
            Files.copy(start, image, StandardCopyOption.REPLACE_EXISTING);
            runWithCrash(new CrashingFile(image), image, ops, n, new ArrayList<>());
            QemuTools.Result check = check(dir, image);
            assertThat(check.status()).as("crash after " + n + " writes: " + check.output()).isIn(0, 3);
            int acknowledged = -1;
            for (int i = 0; i < ops.size(); i++) {
                if (ops.get(i).flush() && flushedAt.get(i) <= n) {
                    acknowledged = i;
                }
            }
            verify(asRaw(dir, image), before, ops, acknowledged, n);
            try (Qcow2Backend reopened = Qcow2Backend.open(image, false)) {
                reopened.write(0, new byte[4 * KIB], 0, 4 * KIB);
            }
            assertThat(check(dir, image).status()).as("written again after crash at " + n).isIn(0, 3);
        }
    }

    private static long refcountTable(Path image) throws IOException {
        try (Qcow2Backend b = Qcow2Backend.open(image, true)) {
            return b.header().refcountTableOffset();
        }
    }

    /** Runs {@code ops} allowing {@code n} writes, recording the write count after each op. */
    private void runWithCrash(CrashingFile file, Path image, List<Op> ops, long n, List<Long> writesAfter)
            throws IOException {
        Qcow2Backend b = Qcow2Backend.open(file, image, false, 0);
        file.allow(n);
        try {
            for (Op op : ops) {
                if (op.flush()) {
                    b.flush();
                } else {
                    b.write(op.offset(), op.data(), 0, op.data().length);
                }
                writesAfter.add(file.writes());
            }
        } catch (IOException e) {
            assertThat(file.crashed()).as("only the simulated crash fails: " + e).isTrue();
        } finally {
            file.kill();
            try {
                b.close();
            } catch (IOException expected) {
                assertThat(file.crashed()).isTrue();
            }
        }
    }

    /** Ops up to {@code acknowledged} are on disk; later ones may be, byte by byte; nothing else changed. */
    private static void verify(byte[] after, byte[] before, List<Op> ops, int acknowledged, long n) {
        byte[] expected = before.clone();
        boolean[] either = new boolean[before.length];
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op.flush()) {
                continue;
            }
            int at = (int) op.offset();
            System.arraycopy(op.data(), 0, expected, at, op.data().length);
            if (i > acknowledged) {
                for (int k = 0; k < op.data().length; k++) {
                    either[at + k] = true;
                }
            }
        }
        for (int i = 0; i < after.length; i++) {
            if (after[i] != expected[i] && !(either[i] && after[i] == before[i])) {
                throw new AssertionError("crash after " + n + " writes: byte " + i + " is " + after[i]
                        + ", expected " + expected[i] + (either[i] ? " or " + before[i] : ""));
            }
        }
    }

    /** {@code count} writes of 512 bytes to 20 KiB, at distinct 32 KiB slots, so no two overlap. */
    private static List<Op> disjointWrites(Random r, int size, int count, int band) {
        List<Op> ops = new ArrayList<>();
        int slots = size / (32 * KIB) / 4;
        TreeSet<Integer> used = new TreeSet<>();
        while (ops.size() < count) {
            int slot = band * slots + r.nextInt(slots);
            if (!used.add(slot)) {
                continue;
            }
            byte[] data = new byte[(1 + r.nextInt(40)) * 512];
            r.nextBytes(data);
            ops.add(new Op((long) slot * 32 * KIB + r.nextInt(24) * 512L, data));
        }
        return ops;
    }
}
