package dev.ferry.host.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * The directories a host writes disks to: {@code disks} holds the disks it creates for its VMs (a local disk that
 * migrated in, a template's copy-on-write overlay, a clone's disk), private to the host's user; {@code templates}
 * holds templates, and every host that should see the same templates is given the same directory (a shared
 * directory on one machine, or a network file system).
 *
 * @param disks     where the host's own disk files go
 * @param templates where templates are kept
 */
public record StorageDirs(Path disks, Path templates) {

    /** Validates the fields. */
    public StorageDirs {
        Objects.requireNonNull(disks, "disks");
        Objects.requireNonNull(templates, "templates");
    }

    /**
     * The defaults for host {@code hostName}: under {@code $XDG_DATA_HOME/ferry} (or {@code ~/.local/share/ferry}),
     * {@code hosts/NAME/disks} and the shared {@code templates}.
     */
    public static StorageDirs defaults(String hostName) {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg, "ferry")
                : Path.of(System.getProperty("user.home"), ".local", "share", "ferry");
        String safe = hostName.replaceAll("[^A-Za-z0-9._-]", "_");
        return new StorageDirs(base.resolve("hosts").resolve(safe).resolve("disks"), base.resolve("templates"));
    }

    /** Fresh directories under a new private temporary directory (hosts started without storage settings). */
    public static StorageDirs temporary() throws IOException {
        Path base = Files.createTempDirectory("ferry-storage-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new StorageDirs(base.resolve("disks"), base.resolve("templates"));
    }

    /** Creates both directories if they do not exist; the disk directory only the host's user may read. */
    public void create() throws IOException {
        if (!Files.isDirectory(disks)) {
            Files.createDirectories(disks);
            Files.setPosixFilePermissions(disks, PosixFilePermissions.fromString("rwx------"));
        }
        Files.createDirectories(templates);
    }
}
