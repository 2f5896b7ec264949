package dev.ferry.cli;

import dev.ferry.host.api.Json;
import dev.ferry.host.api.NetworkView;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry network}: a host's virtual switch — ports and counters, learned addresses, traffic, VXLAN link. */
@Command(name = "network", mixinStandardHelpOptions = true,
        description = "Show a host's virtual switch: its ports with their counters, the addresses it learned, the "
                + "traffic between each pair of MACs and its VXLAN endpoint.")
final class NetworkCommand implements Callable<Integer> {

    @Mixin
    private HostOption host;

    @Option(names = "--json", description = "Print the host's answer as JSON.")
    private boolean json;

    @Override
    public Integer call() throws Exception {
        NetworkView net = host.client().get("/v1/network", NetworkView.class);
        PrintStream out = System.out;
        if (json) {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(net));
            return 0;
        }
        out.printf("%-4s %-7s %-26s %-17s %12s %14s %12s %14s  %s%n", "PORT", "KIND", "NAME", "MAC", "RX FRAMES",
                "RX BYTES", "TX FRAMES", "TX BYTES", "DROPPED");
        for (NetworkView.Port p : net.ports()) {
            out.printf(Locale.ROOT, "%-4d %-7s %-26s %-17s %,12d %,14d %,12d %,14d  %s%n", p.id(), p.kind(), p.name(),
                    p.mac() == null ? "-" : p.mac(), p.rxFrames(), p.rxBytes(), p.txFrames(), p.txBytes(), drops(p));
        }
        out.println();
        out.printf("%-17s %-26s %8s%n", "MAC", "LEARNED ON", "AGE");
        for (NetworkView.Mac m : net.macs()) {
            out.printf(Locale.ROOT, "%-17s %-26s %7.1fs%n", m.mac(), m.portName(), m.ageMs() / 1000.0);
        }
        if (!net.traffic().isEmpty()) {
            out.println();
            out.printf("%-17s -> %-17s %14s%n", "FROM", "TO", "BYTES");
            for (NetworkView.Pair t : net.traffic()) {
                out.printf(Locale.ROOT, "%-17s -> %-17s %,14d%n", t.source(), t.destination(), t.bytes());
            }
        }
        out.println();
        NetworkView.Vxlan v = net.vxlan();
        if (v == null) {
            out.println("VXLAN: none (this host's switch is not linked to other hosts)");
        } else {
            out.printf(Locale.ROOT, "VXLAN: %s, VNI %d, peers %s; received %,d, dropped: %,d not from a peer, %,d "
                    + "other VNI, %,d malformed; %,d send failures%n", v.local(), v.vni(), String.join(", ", v.peers()),
                    v.received(), v.droppedNonPeer(), v.droppedWrongVni(), v.droppedMalformed(), v.sendFailures());
        }
        return 0;
    }

    private static String drops(NetworkView.Port p) {
        long all = p.droppedSpoofed() + p.droppedRateLimited() + p.droppedMalformed() + p.droppedNoRoute();
        if (all == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%,d (spoofed %,d, rate limited %,d, malformed %,d, no route %,d)", all,
                p.droppedSpoofed(), p.droppedRateLimited(), p.droppedMalformed(), p.droppedNoRoute());
    }
}
