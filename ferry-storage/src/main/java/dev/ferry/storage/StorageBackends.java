package dev.ferry.storage;

import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.storage.qcow2.Qcow2Backend;

/** The storage layer's disk formats as one {@link BlockBackendFactory} for the board's device back ends. */
public final class StorageBackends {

    private StorageBackends() {
    }

    /** Opens {@code qcow2} drives as {@link Qcow2Backend}s and hands every other format to {@code fallback}. */
    public static BlockBackendFactory factory(BlockBackendFactory fallback) {
        return (file, format, readOnly) -> format.equals("qcow2") ? Qcow2Backend.open(file, readOnly)
                : fallback.open(file, format, readOnly);
    }
}
