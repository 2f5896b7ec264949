package dev.ferry.machine.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Resolves what a user types after {@code --image}: a path to an ELF file, or the name of a built-in
 * workload ({@code hello}, {@code munch}, ...) found in {@code guests/build/NAME.elf} under Ferry's home.
 */
public final class GuestImages {

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
        Path asPath = Path.of(nameOrPath);
        if (nameOrPath.contains("/") || nameOrPath.endsWith(".elf") || Files.isRegularFile(asPath)) {
            if (!Files.isRegularFile(asPath)) {
                throw new ImageFormatException(nameOrPath + ": no such file");
            }
            return asPath;
        }
        Path builtIn = buildDir.resolve(nameOrPath + ".elf");
        if (!Files.isRegularFile(builtIn)) {
            throw new ImageFormatException("unknown image '" + nameOrPath + "' (built-in images: "
                    + String.join(", ", names()) + "; or give a path to an ELF file)");
        }
        return builtIn;
    }

    /** Reads the image named by path or built-in name. */
    public ElfImage load(String nameOrPath) throws ImageFormatException {
        return ElfImage.read(resolve(nameOrPath));
    }

    /** Names of the built-in images, sorted. */
    public List<String> names() {
        if (!Files.isDirectory(buildDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(buildDir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".elf"))
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
