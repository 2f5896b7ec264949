package dev.ferry.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.BlockBackendException;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.device.block.RawFileBackend;
import dev.ferry.storage.qcow2.Qcow2Backend;
import dev.ferry.storage.qcow2.Qcow2Image;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageBackendsTest {

    @TempDir
    Path dir;

    @Test
    void qcow2GoesToTheQcow2BackEndAndEverythingElseToTheFallback() throws Exception {
        BlockBackendFactory factory = StorageBackends.factory(BlockBackendFactory.STANDARD);
        Path qcow2 = dir.resolve("d.qcow2");
        Qcow2Image.create(qcow2, 1 << 20);
        try (BlockBackend b = factory.open(qcow2.toString(), "qcow2", true)) {
            assertThat(b).isInstanceOf(Qcow2Backend.class);
            assertThat(b.size()).isEqualTo(1 << 20);
            assertThat(b.readOnly()).isTrue();
        }
        Path raw = Files.write(dir.resolve("d.img"), new byte[4096]);
        try (BlockBackend b = factory.open(raw.toString(), "raw", false)) {
            assertThat(b).isInstanceOf(RawFileBackend.class);
        }
        assertThatThrownBy(() -> factory.open(raw.toString(), "qcow2", false)).isInstanceOf(BlockBackendException.class)
                .hasMessage("qcow2 image " + raw + " is not a qcow2 image (no QFI\\xfb magic)");
        assertThatThrownBy(() -> factory.open(raw.toString(), "vmdk", false)).isInstanceOf(BlockBackendException.class)
                .hasMessageContaining("format vmdk is not supported");
    }
}
