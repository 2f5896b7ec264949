package dev.ferry.storage.qcow2;

import static dev.ferry.storage.qcow2.QemuTools.asRaw;
import static dev.ferry.storage.qcow2.QemuTools.check;
import static dev.ferry.storage.qcow2.QemuTools.ok;
import static dev.ferry.storage.qcow2.QemuTools.qemuIo;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** qcow2 images go both ways between Ferry and Debian's qemu-img / qemu-io. */
class Qcow2InteropTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void needQemu() {
        QemuTools.assumeInstalled();
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat=1.1", "compat=0.10", "cluster_size=512", "cluster_size=2M",
            "refcount_bits=8"})
    void ferryReadsWhatQemuWrote(String options) throws Exception {
        Path image = dir.resolve("q.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", options, image.toString(), "8M");
        qemuIo(dir, image, "write -P 0xab 0 64k", "write -P 0x11 1000k 3k", "write -P 0x5c 5M 1M",
                "write -z 5200k 130k", "write -P 0x77 8188k 4k");
        assertThat(readAll(image)).isEqualTo(asRaw(dir, image));
    }

    @Test
    void overlaysReadTheirQcow2AndRawBackingFiles() throws Exception {
        Path base = dir.resolve("base.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "6M");
        qemuIo(dir, base, "write -P 0xab 0 64k", "write -P 0x22 2M 1M");
        Path overlay = dir.resolve("overlay.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", overlay.toString());
        qemuIo(dir, overlay, "write -P 0xcd 32k 8k", "write -z 2M 64k", "write -P 0x33 5M 512");
        assertThat(readAll(overlay)).isEqualTo(asRaw(dir, overlay));

        Path raw = dir.resolve("base.raw");
        byte[] random = new byte[3 * MIB];
        new Random(7).nextBytes(random);
        Files.write(raw, random);
        Path onRaw = dir.resolve("on-raw.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", raw.toString(), "-F", "raw", onRaw.toString(),
                "4M");
        qemuIo(dir, onRaw, "write -P 0x44 100k 4k");
        byte[] seen = readAll(onRaw);
        assertThat(seen).isEqualTo(asRaw(dir, onRaw));
        assertThat(Arrays.copyOfRange(seen, 3 * MIB, 4 * MIB)).containsOnly(0);
    }

    @Test
    void ferryReadsCompressedClusters() throws Exception {
        Path raw = dir.resolve("text.raw");
        byte[] text = new byte[2 * MIB];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ("ferry moves machines ".charAt(i % 21) + i / 65536);
        }
        Files.write(raw, text);
        Path packed = dir.resolve("packed.qcow2");
        ok(dir, "qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", raw.toString(), packed.toString());
        assertThat(readAll(packed)).isEqualTo(text);
        try (Qcow2Backend b = Qcow2Backend.open(packed, false)) {
            b.write(70_144, new byte[] {1, 2, 3}, 0, 3);
            b.writeZeroes(5 * 65536, 2 * 65536);
            b.flush();
            b.write(MIB, new byte[4096], 0, 4096);
        }
        text[70_144] = 1;
        text[70_145] = 2;
        text[70_146] = 3;
        Arrays.fill(text, 5 * 65536, 7 * 65536, (byte) 0);
        Arrays.fill(text, MIB, MIB + 4096, (byte) 0);
        QemuTools.Result check = check(dir, packed);
        assertThat(check.status()).as("compressed clusters replaced are freed: " + check.output()).isZero();
        assertThat(asRaw(dir, packed)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ferry", "qemu", "qemu-small-clusters", "qemu-v2"})
    void whatFerryWritesQemuReadsAndChecksClean(String maker) throws Exception {
        Path image = dir.resolve("w.qcow2");
        long size = maker.equals("qemu-small-clusters") ? 64 * MIB : 16 * MIB;
        switch (maker) {
            case "ferry" -> Qcow2Image.create(image, size);
            case "qemu" -> ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "" + size);
            case "qemu-v2" -> ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=0.10",
                    image.toString(), "" + size);
            default -> ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "cluster_size=512",
                    image.toString(), "" + size);
        }
        byte[] model = new byte[(int) size];
        Random r = new Random(maker.hashCode());
        try (Qcow2Backend b = Qcow2Backend.open(image, false)) {
            for (int i = 0; i < 400; i++) {
                randomWrite(b, model, r);
                if (i % 50 == 0) {
                    b.flush();
                }
            }
            assertThat(readAll(b)).isEqualTo(model);
        }
        QemuTools.Result check = check(dir, image);
        assertThat(check.status()).as(check.output()).isZero();
        assertThat(asRaw(dir, image)).isEqualTo(model);
    }

    @Test
    void ferryWritesOverABackingFileCopyOnWrite() throws Exception {
        Path base = dir.resolve("base.qcow2");
        ok(dir, "qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "8M");
        qemuIo(dir, base, "write -P 0xab 0 3M", "write -P 0x5a 6M 2M");
        byte[] model = asRaw(dir, base);
        Path overlay = dir.resolve("clone.qcow2");
        Qcow2Image.createOverlay(overlay, Path.of("base.qcow2"), "qcow2");
        assertThat(ok(dir, "qemu-img", "info", overlay.toString())).contains("backing file: base.qcow2")
                .contains("backing file format: qcow2");
        assertThat(check(dir, overlay).status()).isZero();
        Random r = new Random(11);
        try (Qcow2Backend b = Qcow2Backend.open(overlay, false)) {
            assertThat(b.size()).isEqualTo(8 * MIB);
            for (int i = 0; i < 200; i++) {
                randomWrite(b, model, r);
            }
            b.writeZeroes(4 * MIB, 128 * 1024);
            b.writeZeroes(6 * MIB - 512, 64 * 1024 + 1024);
            Arrays.fill(model, 4 * MIB, 4 * MIB + 128 * 1024, (byte) 0);
            Arrays.fill(model, 6 * MIB - 512, 6 * MIB + 64 * 1024 + 512, (byte) 0);
        }
        QemuTools.Result check = check(dir, overlay);
        assertThat(check.status()).as(check.output()).isZero();
        assertThat(asRaw(dir, overlay)).isEqualTo(model);
        assertThat(ok(dir, "qemu-img", "compare", base.toString(), base.toString())).contains("identical");
    }

    @Test
    void ferryAndQemuTakeTurnsWritingTheSameImage() throws Exception {
        Path image = dir.resolve("shared.qcow2");
        Qcow2Image.create(image, 8 * MIB);
        byte[] model = new byte[8 * MIB];
        Random r = new Random(17);
        for (int turn = 0; turn < 4; turn++) {
            try (Qcow2Backend b = Qcow2Backend.open(image, false)) {
                for (int i = 0; i < 30; i++) {
                    randomWrite(b, model, r);
                }
            }
            int at = r.nextInt(8 * MIB / 512 - 300) * 512;
            int len = (1 + r.nextInt(300)) * 512;
            int fill = 0x10 + turn;
            qemuIo(dir, image, "write -P " + fill + " " + at + " " + len);
            Arrays.fill(model, at, at + len, (byte) fill);
            assertThat(readAll(image)).isEqualTo(model);
        }
        QemuTools.Result check = check(dir, image);
        assertThat(check.status()).as(check.output()).isZero();
        assertThat(asRaw(dir, image)).isEqualTo(model);
    }

    @Test
    void ferryCreatedImagesAreWhatQemuImgExpects() throws Exception {
        Path image = dir.resolve("new.qcow2");
        Qcow2Image.create(image, 3 * 1024L * MIB);
        String info = ok(dir, "qemu-img", "info", image.toString());
        assertThat(info).contains("virtual size: 3 GiB").contains("cluster_size: 65536")
                .contains("compat: 1.1").contains("refcount bits: 16");
        assertThat(check(dir, image).status()).isZero();
        Path raw = dir.resolve("raw.img");
        Files.write(raw, new byte[MIB]);
        Path overlay = dir.resolve("sub/over.qcow2");
        Files.createDirectories(overlay.getParent());
        Qcow2Image.createOverlay(overlay, Path.of("../raw.img"), "raw");
        assertThat(ok(dir, "qemu-img", "info", overlay.toString())).contains("virtual size: 1 MiB");
        assertThat(asRaw(dir, overlay)).isEqualTo(new byte[MIB]);
    }

    private static void randomWrite(Qcow2Backend b, byte[] model, Random r) throws Exception {
        int sectors = model.length / 512;
        int len = (1 + r.nextInt(r.nextBoolean() ? 8 : 300)) * 512;
        int at = r.nextInt(sectors - len / 512 + 1) * 512;
        byte[] data = new byte[len];
        r.nextBytes(data);
        b.write(at, data, 0, len);
        System.arraycopy(data, 0, model, at, len);
    }

    private static byte[] readAll(Path image) throws Exception {
        try (Qcow2Backend b = Qcow2Backend.open(image, true)) {
            return readAll(b);
        }
    }

    private static byte[] readAll(Qcow2Backend b) throws Exception {
        byte[] all = new byte[(int) b.size()];
        for (int at = 0; at < all.length; at += 192 * 1024) {
            b.read(at, all, at, Math.min(192 * 1024, all.length - at));
        }
        return all;
    }
}
