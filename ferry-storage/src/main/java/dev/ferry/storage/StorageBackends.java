package dev.ferry.storage;

import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.storage.nbd.NbdAddress;
import dev.ferry.storage.nbd.NbdBackend;

/**
 * Adds the storage layer's disks to the machine's back ends: {@code nbd} drives open an {@link NbdBackend} on their
 * {@code nbd://} address; every other format goes to the fallback factory.
 */
public final class StorageBackends {

    private StorageBackends() {
    }

    /** A factory for NBD exports and, through {@code fallback}, everything else. */
    public static BlockBackendFactory factory(BlockBackendFactory fallback) {
        return (source, format, readOnly) -> {
            if (format.equals(DriveConfig.NBD)) {
                return NbdBackend.open(NbdAddress.parse(source), readOnly);
            }
            return fallback.open(source, format, readOnly);
        };
    }
}
