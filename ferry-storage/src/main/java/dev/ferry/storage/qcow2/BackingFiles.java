package dev.ferry.storage.qcow2;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.BlockBackendException;
import dev.ferry.machine.device.block.RawFileBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Finds and opens the backing file of a qcow2 image as qemu does: a relative name is resolved against the directory
 * of the image that names it, the format comes from the header extension (probed from the magic when absent), and
 * the backing file is opened read-only.
 */
final class BackingFiles {

    private BackingFiles() {
    }

    /** Where the backing file named in {@code header} of the image {@code image} is. */
    static Path resolve(Path image, String name) throws BlockBackendException {
        if (name.startsWith("json:") || name.contains("://")) {
            throw new BlockBackendException("qcow2 image " + image + " has backing file '" + name
                    + "', which is not a file name (only local backing files are supported)");
        }
        try {
            Path named = Path.of(name);
            if (named.isAbsolute()) {
                return named;
            }
            Path dir = image.toAbsolutePath().getParent();
            return dir == null ? named : dir.resolve(named);
        } catch (InvalidPathException e) {
            throw new BlockBackendException("qcow2 image " + image + " has backing file '" + name
                    + "', which is not a file name");
        }
    }

    /** Opens the backing file of the image {@code image}, {@code depth} levels below the disk. */
    static BlockBackend open(Path image, Qcow2Header header, int depth) throws BlockBackendException {
        if (depth + 1 >= Qcow2Backend.MAX_CHAIN) {
            throw new BlockBackendException("qcow2 image " + image + ": backing chain deeper than "
                    + Qcow2Backend.MAX_CHAIN + " images (a loop?)");
        }
        Path backing = resolve(image, header.backingFile());
        if (!Files.isRegularFile(backing)) {
            throw new BlockBackendException("qcow2 image " + image + ": backing file " + backing
                    + " does not exist");
        }
        String format = header.backingFormat() != null ? header.backingFormat() : probe(backing);
        return switch (format) {
            case "qcow2" -> Qcow2Backend.open(backing, true, depth + 1);
            case "raw" -> RawFileBackend.open(backing, true);
            default -> throw new BlockBackendException("qcow2 image " + image + ": backing file " + backing
                    + " has format " + format + " (qcow2 and raw are supported)");
        };
    }

    /** "qcow2" when the file starts with qcow2's magic, else "raw" (qemu's probe, limited to those two). */
    static String probe(Path file) throws BlockBackendException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && ByteBuffer.wrap(head).getInt() == Qcow2Header.MAGIC ? "qcow2" : "raw";
        } catch (IOException e) {
            throw new BlockBackendException("disk image " + file + " cannot be read: " + e.getMessage());
        }
    }
}
