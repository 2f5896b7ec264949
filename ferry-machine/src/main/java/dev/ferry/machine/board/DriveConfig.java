package dev.ferry.machine.board;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A disk attached to the machine as a virtio-blk device, as QEMU's {@code -drive file=PATH,format=raw[,readonly=on]}
 * spells it.
 *
 * @param file     the image file on the host
 * @param format   the image format ({@code raw} for now; the storage layer adds more)
 * @param readOnly the guest may not write: the device reports itself read-only
 */
public record DriveConfig(Path file, String format, boolean readOnly) {

    /** Validates the fields. */
    public DriveConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
    }
}
