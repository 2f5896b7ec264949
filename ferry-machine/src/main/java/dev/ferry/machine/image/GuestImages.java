package dev.ferry.machine.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resolves what a user types after {@code --image}: a path to an ELF file, or the name of a built-in
 * workload ({@code hello}, {@code munch}, ...) found in {@code guests/build/NAME.elf} under Ferry's home. A host
 * boots only images of its directory ({@link #loadConfined}); the command line on the user's own machine may
 * read any file the user can.
 */
public final class GuestImages {

    private static final Pattern BUILT_IN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Name of the built-in Linux guest: a kernel and an initramfs instead of an ELF. */
    public static final String LINUX = "linux";

    /**
     * Name of the built-in web guest: the Linux guest with its network services running (HTTP on port 80, echo on 7,
     * a memcached-protocol key-value server on 11211; see {@code guests/linux/initramfs/etc/ferry/web}).
     */
    public static final String WEB = "web";

    /**
     * The built-in Linux guest's files, as {@code guests/linux} builds them.
     *
     * @param kernel the kernel {@code Image}
     * @param initrd the initramfs
     */
    public record LinuxGuest(Path kernel, Path initrd) {
        /** The command line it boots with unless told otherwise: the console on the first UART. */
        public static final String DEFAULT_APPEND = "console=ttyS0";
        /** The RAM it gets unless told otherwise. */
        public static final long DEFAULT_RAM = 256L << 20;
        /** The kernel argument that makes the guest's init start the web services. */
        public static final String WEB_RUN = "ferry.run=web";
    }

    /** True when {@code name} is a built-in image that boots the Linux guest: {@code linux} or {@code web}. */
    public static boolean bootsLinux(String name) {
        return LINUX.equals(name) || WEB.equals(name);
    }

    /**
     * The kernel command line of the built-in Linux image {@code name} booted with {@code args}: the arguments, and
     * for {@code web} {@link LinuxGuest#WEB_RUN} after them, so that it wins over a {@code ferry.run=} among them.
     */
    public static String commandLine(String name, String args) {
        String trimmed = args.trim();
        if (!WEB.equals(name)) {
            return trimmed;
        }
        return trimmed.isEmpty() ? LinuxGuest.WEB_RUN : trimmed + " " + LinuxGuest.WEB_RUN;
    }

    private final Path buildDir;

    /** Images under {@code buildDir} (normally {@code $FERRY_HOME/guests/build}). */
    public GuestImages(Path buildDir) {
        this.buildDir = buildDir;
    }

    /** The catalog of the installation Ferry runs from: system property {@code ferry.home}, else the cwd. */
    public static GuestImages ofInstallation() {
        String home = System.getProperty("ferry.home");
        if (home == null || home.isBlank()) {
            home = System.getenv().getOrDefault("FERRY_HOME", ".");
        }
        return new GuestImages(Path.of(home, "guests", "build"));
    }

    /** Directory holding the built-in images. */
    public Path buildDir() {
        return buildDir;
    }

    /** Path of an image named by path or by built-in name. */
    public Path resolve(String nameOrPath) throws ImageFormatException {
        Path asPath;
        try {
            asPath = Path.of(nameOrPath);
        } catch (InvalidPathException e) {
            throw new ImageFormatException("'" + nameOrPath + "' is not a file name");
        }
        if (nameOrPath.contains("/") || nameOrPath.endsWith(".elf") || Files.isRegularFile(asPath)) {
            if (!Files.isRegularFile(asPath)) {
                throw new ImageFormatException(nameOrPath + ": no such file");
            }
            return asPath;
        }
        return builtIn(nameOrPath);
    }

    private Path builtIn(String name) throws ImageFormatException {
        if (!BUILT_IN_NAME.matcher(name).matches()) {
            throw unknown(name);
        }
        Path file = buildDir.resolve(name + ".elf");
        if (!Files.isRegularFile(file)) {
            throw unknown(name);
        }
        return file;
    }

    /** Reads the image named by path or built-in name. */
    public ElfImage load(String nameOrPath) throws ImageFormatException {
        return ElfImage.read(resolve(nameOrPath));
    }

    /** Reads the image named by path or built-in name that is to load into {@code ramBytes} of RAM. */
    public ElfImage load(String nameOrPath, long ramBytes) throws ImageFormatException {
        return ElfImage.read(resolve(nameOrPath), ramBytes);
    }

    /**
     * Reads an image that a host boots on a client's request: a built-in name, or a file inside this directory
     * (a relative path is taken from the directory), to load into {@code ramBytes} of RAM. Anything else is
     * refused with one message that depends only on what the client wrote, without touching the file system,
     * so a client learns nothing about files outside the directory.
     */
    public ElfImage loadConfined(String image, long ramBytes) throws ImageFormatException {
        if (!image.contains("/") && !image.endsWith(".elf")) {
            return ElfImage.read(builtIn(image), ramBytes);
        }
        Path file = inDirectory(image);
        if (file == null) {
            throw notHere(image);
        }
        return ElfImage.read(file, ramBytes);
    }

    /**
     * A file a host opens on a client's request — a kernel, initrd, firmware or disk — which must be a regular file
     * inside this directory (a relative name is taken from the directory). Anything else is refused with one message
     * that depends only on what the client wrote, naming the file's {@code role}.
     */
    public Path confinedFile(String name, String role) throws ImageFormatException {
        Path file = inDirectory(name);
        if (file == null) {
            throw new ImageFormatException(role + " '" + name + "' is not a file in this host's image directory");
        }
        return file;
    }

    /** The real path of a regular file inside this directory named by {@code name}, or {@code null}. */
    private Path inDirectory(String name) {
        try {
            Path dir = buildDir.toAbsolutePath().normalize();
            Path lexical = dir.resolve(name).normalize();
            if (!lexical.startsWith(dir)) {
                return null;
            }
            Path file = lexical.toRealPath();
            return file.startsWith(dir.toRealPath()) && Files.isRegularFile(file) ? file : null;
        } catch (InvalidPathException | IOException e) {
            return null;
        }
    }

    private ImageFormatException notHere(String image) {
        return new ImageFormatException("'" + image + "' is not a built-in image or a file in this host's image "
                + "directory; upload the file instead ('ferry vm create --image PATH' does)");
    }

    private ImageFormatException unknown(String name) {
        return new ImageFormatException("unknown image '" + name + "' (built-in images: " + String.join(", ", names())
                + "; or give a path to an ELF file)");
    }

    /** The built-in Linux guest ({@code linux/Image} and {@code linux/initramfs.cpio.gz}), if it was built. */
    public Optional<LinuxGuest> linux() {
        Path dir = buildDir.resolve(LINUX);
        LinuxGuest g = new LinuxGuest(dir.resolve("Image"), dir.resolve("initramfs.cpio.gz"));
        return Files.isRegularFile(g.kernel()) && Files.isRegularFile(g.initrd()) ? Optional.of(g) : Optional.empty();
    }

    /** Names of the built-in images, sorted: the ELF workloads and, once built, {@code linux} and {@code web}. */
    public List<String> names() {
        if (!Files.isDirectory(buildDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(buildDir)) {
            Stream<String> elfs = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".elf"))
                    .map(n -> n.substring(0, n.length() - 4));
            return Stream.concat(elfs, linux().stream().flatMap(g -> Stream.of(LINUX, WEB))).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
