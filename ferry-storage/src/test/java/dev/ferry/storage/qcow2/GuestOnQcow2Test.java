package dev.ferry.storage.qcow2;

import static dev.ferry.storage.qcow2.QemuTools.asRaw;
import static dev.ferry.storage.qcow2.QemuTools.check;
import static dev.ferry.storage.qcow2.QemuTools.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.storage.StorageBackends;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest drives virtio-blk (reads, writes, flush, discard, write-zeroes, malformed requests: the {@code blk}
 * workload) on a qcow2 disk and sees exactly what it sees on a raw disk with the same bytes; afterwards the qcow2
 * image passes {@code qemu-img check} and holds the same bytes as the raw disk.
 */
class GuestOnQcow2Test {

    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void theBlkWorkloadSeesTheSameDiskOnQcow2AsOnRaw() throws Exception {
        QemuTools.assumeInstalled();
        Path raw = pattern("raw.img");
        String onRaw = run(raw, "raw");
        assertThat(onRaw).contains("status 0");

        Path backing = pattern("base.img");
        Path overlay = dir.resolve("overlay.qcow2");
        Qcow2Image.createOverlay(overlay, Path.of("base.img"), "raw");
        assertThat(run(overlay, "qcow2")).isEqualTo(onRaw);
        Path full = dir.resolve("full.qcow2");
        ok(dir, "qemu-img", "convert", "-f", "raw", "-O", "qcow2", pattern("source.img").toString(),
                full.toString());
        assertThat(run(full, "qcow2")).isEqualTo(onRaw);

        byte[] expected = Files.readAllBytes(raw);
        for (Path image : List.of(overlay, full)) {
            QemuTools.Result check = check(dir, image);
            assertThat(check.status()).as(check.output()).isZero();
            assertThat(asRaw(dir, image)).isEqualTo(expected);
        }
        assertThat(Files.readAllBytes(backing)).isEqualTo(Files.readAllBytes(pattern("again.img")));
    }

    private String run(Path disk, String format) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        MachineConfig config = new MachineConfig(128L << 20, false, "", console)
                .withDrives(List.of(new DriveConfig(disk, format, false)));
        DeviceBackends backends = new DeviceBackends(StorageBackends.factory(BlockBackendFactory.STANDARD),
                NetBackendFactory.STANDARD);
        VirtMachine m = new VirtMachine(config, backends);
        try {
            m.boot(guest().load("blk"));
            assertThat(m.run(Long.MAX_VALUE)).isEqualTo(VirtMachine.Exit.POWERED_OFF);
            assertThat(m.exitCode()).as(console.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            m.close();
        }
        return console.toString(StandardCharsets.UTF_8);
    }

    private static GuestImages guest() {
        Path build = Path.of(System.getProperty("ferry.home", ".")).resolve("guests/build");
        if (!Files.isRegularFile(build.resolve("blk.elf"))) {
            throw new IllegalStateException("the blk guest is not built in " + build + ": run make -C guests "
                    + "(./ferry test does it)");
        }
        return new GuestImages(build);
    }

    /** A disk holding byte {@code (i ^ (i >> 9)) & 0xff} at offset {@code i}, as the workload expects. */
    private Path pattern(String name) throws Exception {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            b[i] = (byte) (i ^ (i >> 9));
        }
        return Files.write(dir.resolve(name), b);
    }
}
