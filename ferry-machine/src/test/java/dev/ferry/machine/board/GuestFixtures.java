package dev.ferry.machine.board;

import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Access to the built guest images and QEMU for tests; fails loudly when the build did not provide them. */
public final class GuestFixtures {

    private GuestFixtures() {
    }

    /** Ferry's source tree (surefire sets {@code ferry.home}). */
    public static Path home() {
        String home = System.getProperty("ferry.home");
        if (home == null) {
            throw new IllegalStateException("system property ferry.home is not set (run the tests through Maven)");
        }
        return Path.of(home);
    }

    /** The catalog of built images; they must have been built ({@code make -C guests}). */
    public static GuestImages images() {
        GuestImages images = new GuestImages(home().resolve("guests/build"));
        if (images.names().isEmpty()) {
            throw new IllegalStateException("no guest images in " + images.buildDir() + ": run 'make -C guests' "
                    + "(./ferry test does it)");
        }
        return images;
    }

    /** Loads a built-in image. */
    public static ElfImage image(String name) {
        try {
            return images().load(name);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A booted machine with console output into {@code console}. */
    public static VirtMachine boot(String image, String args, long ram, boolean deterministic, OutputStream console) {
        VirtMachine m = new VirtMachine(new MachineConfig(ram, deterministic, args, console));
        try {
            m.boot(image(image));
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return m;
    }

    /** A booted deterministic machine with 64 MiB and a discarded console. */
    public static VirtMachine bootDeterministic(String image, String args) {
        return boot(image, args, 64L << 20, true, new ByteArrayOutputStream());
    }

    /** Path of the QEMU binary; the test fails when it is missing. */
    public static String qemu() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "qemu-system-riscv64");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IOException("qemu-system-riscv64 not found: install qemu-system-misc (./ferry test does it)");
    }
}
