package dev.ferry.storage;

import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.storage.nbd.NbdAddress;
import dev.ferry.storage.nbd.NbdBackend;
import dev.ferry.storage.qcow2.Qcow2Backend;
import java.nio.file.Path;

/**
 * The storage layer's disks as one {@link BlockBackendFactory} for the board's device back ends: {@code qcow2}
 * files open as {@link Qcow2Backend}s, {@code nbd} drives as {@link NbdBackend}s on their {@code nbd://} address,
 * and every other format goes to the fallback factory.
 */
public final class StorageBackends {

    private StorageBackends() {
    }

    /** A factory for qcow2 images, NBD exports and, through {@code fallback}, everything else. */
    public static BlockBackendFactory factory(BlockBackendFactory fallback) {
        return (source, format, readOnly) -> switch (format) {
            case "qcow2" -> Qcow2Backend.open(Path.of(source), readOnly);
            case DriveConfig.NBD -> NbdBackend.open(NbdAddress.parse(source), readOnly);
            default -> fallback.open(source, format, readOnly);
        };
    }
}
