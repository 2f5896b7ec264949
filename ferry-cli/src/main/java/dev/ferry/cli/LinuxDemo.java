package dev.ferry.cli;

import dev.ferry.host.FerryHost;
import dev.ferry.host.HostConfig;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.ReportView;
import dev.ferry.host.api.VmInfo;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.machine.image.GuestImages;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Linux part of {@code ferry demo}: two hosts on loopback share an image directory holding the Linux guest and
 * a disk; host A boots the guest running its counter script (a line on the console and a line in a file on the
 * disk every half second of guest time), the VM moves to B with pre-copy while it counts, and B's console shows
 * the counter carrying on from where A left it. Then {@link NetworkDemo} moves a web server while a client fetches.
 */
final class LinuxDemo {

    private static final String VM = "linux";
    private static final Pattern COUNTER = Pattern.compile("^counter (\\d+)$", Pattern.MULTILINE);
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(10);

    private final PrintStream out;
    private final byte[] secret;

    LinuxDemo(PrintStream out, byte[] secret) {
        this.out = out;
        this.secret = secret;
    }

    /** Runs the demo; returns the exit status (0 when the migration succeeded and the counter went on). */
    int run(GuestImages.LinuxGuest linux) throws Exception {
        Path dir = Files.createTempDirectory("ferry-linux-demo");
        try {
            Path images = Files.createDirectories(dir.resolve("images"));
            Files.createDirectories(images.resolve("linux"));
            Files.createSymbolicLink(images.resolve("linux/Image"), linux.kernel().toAbsolutePath());
            Files.createSymbolicLink(images.resolve("linux/initramfs.cpio.gz"), linux.initrd().toAbsolutePath());
            try (RandomAccessFile f = new RandomAccessFile(images.resolve("counter.img").toFile(), "rw")) {
                f.setLength(8L << 20);
            }
            return withHosts(new GuestImages(images));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private int withHosts(GuestImages images) throws Exception {
        ApiToken token = ApiToken.random();
        step("Linux: two hosts on loopback sharing one image directory (" + images.buildDir() + "), their switches "
                + "linked over VXLAN");
        InetSocketAddress vxlanA = freeUdpPort();
        InetSocketAddress vxlanB = freeUdpPort();
        try (FerryHost a = startHost("A", images, token, vxlanA, vxlanB);
                FerryHost b = startHost("B", images, token, vxlanB, vxlanA)) {
            HostClient hostA = new HostClient(HostAddress.format(a.controlAddress()), TokenFile.of(token));
            HostClient hostB = new HostClient(HostAddress.format(b.controlAddress()), TokenFile.of(token));
            out.printf("   host A: control API %s; host B: control API %s%n", hostA.address(), hostB.address());

            step("Boot Linux on A (OpenSBI, kernel, busybox initramfs; an 8 MiB virtio-blk disk) running the counter");
            out.println("   as: ferry vm create --image linux --mem 128M --drive "
                    + "file=counter.img,format=raw --append \"console=ttyS0 quiet ferry.run=counter_0.5\"");
            hostA.post("/v1/vms", new CreateVmRequest(VM, GuestImages.LINUX, "128M", false, null,
                    List.of("console=ttyS0 quiet ferry.run=counter_0.5"), null, null, null, null,
                    List.of("file=counter.img,format=raw"), null, null));
            Console consoleA = new Console(hostA, "A");
            int seen = consoleA.followUntil(3, BOOT_TIMEOUT);

            step("Migrate A -> B with pre-copy while the counter runs");
            long t0 = System.nanoTime();
            ReportView report = MigrateCommand.migrateAndFollow(hostA, VM, hostB.address(), "precopy", null,
                    out);
            ReportFormat.print(report, out);
            if (!report.success()) {
                return MigrateCommand.EXIT_FAILED;
            }
            out.printf(Locale.ROOT, "   -> migrated in %.0f ms; the VM was paused for %.1f ms%n",
                    (System.nanoTime() - t0) / 1e6, report.downtimeMs());

            step("B's console: the counter goes on from " + seen + ", no number lost or repeated");
            Console consoleB = new Console(hostB, "B");
            consoleB.quietThrough(seen);
            int last = consoleB.followUntil(seen + 3, Duration.ofMinutes(5));
            VmInfo info = hostB.get("/v1/vms/" + VM, VmInfo.class);
            out.printf(Locale.ROOT, "   %s on B: %s, %,d instructions; counter went %d -> %d across the move%n",
                    VM, info.state(), info.instructions(), seen, last);
            hostB.post("/v1/vms/" + VM + "/stop", java.util.Map.of());
            return new NetworkDemo(out).run(hostA, hostB);
        }
    }

    private FerryHost startHost(String name, GuestImages images, ApiToken token, InetSocketAddress vxlan,
            InetSocketAddress peer) throws IOException {
        return FerryHost.start(new HostConfig(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null,
                secret, images, line -> {
                    synchronized (out) {
                        out.println("   [host " + name + "] " + line);
                    }
                }, ControlSettings.of(token)).withNetwork(new NetworkSettings(vxlan, List.of(peer),
                        NetworkSettings.DEFAULT_VNI, List.of())));
    }

    private static InetSocketAddress freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }

    /** Follows a VM's console on one host, printing whole lines as they come. */
    private final class Console {
        private final HostClient host;
        private final String label;
        private final StringBuilder partial = new StringBuilder();
        private long offset;
        private int lastCounter;
        private int quietThrough;

        Console(HostClient host, String label) {
            this.host = host;
            this.label = label;
        }

        /**
         * Prints nothing up to and including the line {@code counter N}: the new host keeps what the VM printed
         * on the old one, which was shown already.
         */
        void quietThrough(int n) {
            quietThrough = n;
        }

        /** Prints the console until it shows {@code counter N} with N at least {@code n}; returns that N. */
        int followUntil(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (lastCounter < n) {
                if (System.nanoTime() > deadline) {
                    throw new UserError("the Linux VM did not print 'counter " + n + "' within "
                            + timeout.toSeconds() + " s");
                }
                HttpResponse<byte[]> r = host.getBytes("/v1/vms/" + VM + "/console?offset=" + offset
                        + "&wait_ms=500", Duration.ofSeconds(10));
                offset = r.headers().firstValue("X-Ferry-Next-Offset").map(Long::parseLong).orElse(offset);
                partial.append(new String(r.body(), StandardCharsets.UTF_8).replace("\r", ""));
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    String line = partial.substring(0, nl);
                    partial.delete(0, nl + 1);
                    Matcher m = COUNTER.matcher(line);
                    boolean counter = m.matches();
                    if (counter) {
                        lastCounter = Integer.parseInt(m.group(1));
                    }
                    if (quietThrough == 0) {
                        out.println("   [" + label + " console] " + line);
                    } else if (counter && lastCounter >= quietThrough) {
                        quietThrough = 0;
                    }
                }
            }
            return lastCounter;
        }
    }
}
