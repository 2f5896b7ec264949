package dev.ferry.cli;

import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.ReportView;
import dev.ferry.machine.image.GuestImages;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The network part of {@code ferry demo}: on two hosts whose switches are linked over VXLAN, a web server VM on A
 * and a client VM on B that downloads the server's 512 KiB object again and again; the server moves to B while the
 * client keeps fetching, and every download completes with the right content.
 */
final class NetworkDemo {

    private static final String SERVER = "web";
    private static final String CLIENT = "client";
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(10);

    private final PrintStream out;

    NetworkDemo(PrintStream out) {
        this.out = out;
    }

    /** Runs the demo on hosts A and B; returns 0 when the migration succeeded and no download failed after it. */
    int run(HostClient hostA, HostClient hostB) throws Exception {
        step("Network: a web server VM on A (10.77.0.10) and a client VM on B (10.77.0.20), one Ethernet segment "
                + "(VXLAN between the hosts' switches)");
        out.println("   as: ferry vm create --image web --ip 10.77.0.10/24 --mem 128M");
        hostA.post("/v1/vms", request(SERVER, GuestImages.WEB, List.of("console=ttyS0 quiet"), "10.77.0.10/24"));
        new ConsoleFollower(hostA, SERVER, "web on A", out).quiet(true)
                .until(l -> l.startsWith("ferry-web ready"), 1, BOOT_TIMEOUT, "'ferry-web ready'");
        out.println("   web is ready on A: httpd on port 80 serving /big (512 KiB)");
        out.println("   as: ferry vm create --image linux --ip 10.77.0.20/24 --mem 128M "
                + "--append \"console=ttyS0 quiet ferry.run=fetch_http://10.77.0.10/big\"");
        hostB.post("/v1/vms", request(CLIENT, GuestImages.LINUX,
                List.of("console=ttyS0 quiet ferry.run=fetch_http://10.77.0.10/big"), "10.77.0.20/24"));
        ConsoleFollower client = new ConsoleFollower(hostB, CLIENT, "client on B", out);
        client.until(l -> l.startsWith("fetch "), 3, BOOT_TIMEOUT, "three downloads");

        step("Migrate the web server A -> B with pre-copy while the client keeps downloading");
        ReportView report = MigrateCommand.migrateAndFollow(hostA, SERVER, hostB.address(), "precopy", null,
                out);
        ReportFormat.print(report, out);
        if (!report.success()) {
            return MigrateCommand.EXIT_FAILED;
        }

        step("The client's downloads go on; the server now answers from B");
        int[] bad = new int[1];
        client.until(l -> {
            if (l.startsWith("fetch ") && !l.contains(" ok ")) {
                bad[0]++;
            }
            return l.startsWith("fetch ");
        }, 4, Duration.ofMinutes(5), "four more downloads");
        out.printf(Locale.ROOT, "   -> the server was paused for %.1f ms%s; %s%n", report.downtimeMs(),
                report.networkAnnouncedMs() == null ? "" : String.format(Locale.ROOT,
                        ", announced from B %.1f ms after it ran there", report.networkAnnouncedMs()),
                bad[0] == 0 ? "every download completed with the right content" : bad[0] + " downloads failed");
        hostB.post("/v1/vms/" + CLIENT + "/stop", Map.of());
        hostB.post("/v1/vms/" + SERVER + "/stop", Map.of());
        return bad[0] == 0 ? 0 : 1;
    }

    private static CreateVmRequest request(String name, String image, List<String> args, String ip) {
        return new CreateVmRequest(name, image, "128M", false, null, args, null, null, null, null, null, null, null,
                ip, null);
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }
}
