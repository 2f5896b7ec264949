package dev.ferry.machine.device.block;

import java.nio.file.Path;

/**
 * Opens the storage behind a disk from its source (an image file, or an {@code nbd://} address), format and
 * read-only flag (as a drive's configuration spells them). {@link #STANDARD} knows {@code raw}; the storage layer
 * wraps it to add qcow2 and NBD.
 */
@FunctionalInterface
public interface BlockBackendFactory {

    /** {@code raw}: the file's bytes are the disk's ({@link RawFileBackend}). */
    BlockBackendFactory STANDARD = (source, format, readOnly) -> {
        if (!format.equals("raw")) {
            throw new BlockBackendException("disk " + source + ": format " + format + " is not supported (raw; "
                    + "qcow2 and NBD need a Ferry host's storage layer)");
        }
        return RawFileBackend.open(Path.of(source), readOnly);
    };

    /**
     * Opens the disk.
     *
     * @throws BlockBackendException with a one-line message if the format is unknown or the image cannot be used
     */
    BlockBackend open(String source, String format, boolean readOnly) throws BlockBackendException;
}
