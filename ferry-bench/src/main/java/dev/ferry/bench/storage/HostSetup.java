package dev.ferry.bench.storage;

import dev.ferry.bench.evacuate.HostDaemon;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.GuestImages.LinuxGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directories of a benchmark's {@code ferry host} daemon: an image directory holding the Linux guest (a host
 * boots and opens disks only from there), a storage directory for the disks it writes, and the template directory
 * all of the benchmark's hosts share.
 */
final class HostSetup {

    private final LinuxGuest guest;
    private final Path templates;

    HostSetup(LinuxGuest guest, Path templates) {
        this.guest = guest;
        this.templates = templates;
    }

    /** A host's directories under {@code root}. */
    record Dirs(Path root, Path images, Path storage) {
    }

    /** Creates {@code root/images} (with {@code linux/Image} and {@code linux/initramfs.cpio.gz}) and {@code root/disks}. */
    Dirs create(Path root) throws IOException {
        Path images = root.resolve("images");
        Path linux = images.resolve(GuestImages.LINUX);
        Files.createDirectories(linux);
        Files.copy(guest.kernel(), linux.resolve(guest.kernel().getFileName()));
        Files.copy(guest.initrd(), linux.resolve(guest.initrd().getFileName()));
        Path storage = Files.createDirectories(root.resolve("disks"));
        Files.createDirectories(templates);
        return new Dirs(root, images, storage);
    }

    /** Starts {@code ferry host} on {@code dirs}. */
    HostDaemon start(String name, Path secret, Path token, Dirs dirs) throws IOException, InterruptedException {
        return HostDaemon.start(name, secret, token, List.of("--image-dir", dirs.images().toString(),
                "--storage-dir", dirs.storage().toString(), "--template-dir", templates.toString()));
    }

    /** Removes a host's directories and everything in them. */
    void delete(Dirs dirs) throws IOException {
        deleteTree(dirs.root());
    }

    /** Removes {@code root} and everything under it, if it exists. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
