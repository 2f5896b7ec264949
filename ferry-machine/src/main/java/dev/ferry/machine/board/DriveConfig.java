package dev.ferry.machine.board;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A disk attached to the machine as a virtio-blk device, as QEMU's {@code -drive file=PATH,format=raw[,readonly=on]}
 * spells it, or an NBD export ({@code nbd://HOST:PORT/EXPORT}).
 *
 * @param source   the image file on the host, or for format {@link #NBD} the export's {@code nbd://} address
 * @param format   the image format: {@code raw}, {@code qcow2} (the storage layer), or {@link #NBD}
 * @param readOnly the guest may not write: the device reports itself read-only
 */
public record DriveConfig(String source, String format, boolean readOnly) {

    /** The format of a disk that is an NBD export; its source is an {@code nbd://} address, not a file. */
    public static final String NBD = "nbd";

    /** Validates the fields. */
    public DriveConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(format, "format");
        if (source.isEmpty()) {
            throw new IllegalArgumentException("a disk needs a file or an NBD address");
        }
    }

    /** A disk in image file {@code file}. */
    public DriveConfig(Path file, String format, boolean readOnly) {
        this(file.toString(), format, readOnly);
    }

    /** True when the disk is a file on this host (not an NBD export). */
    public boolean isFile() {
        return !format.equals(NBD);
    }

    /**
     * The image file.
     *
     * @throws IllegalStateException for an NBD export, which has none
     */
    public Path file() {
        if (!isFile()) {
            throw new IllegalStateException("an NBD disk (" + source + ") has no file");
        }
        return Path.of(source);
    }
}
