package dev.ferry.cli;

import dev.ferry.host.api.CloneRequest;
import dev.ferry.host.api.CloneResult;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry vm clone}: running copies of a VM on its host, sharing its unchanged memory. */
@Command(name = "clone", mixinStandardHelpOptions = true,
        description = "Start running clones of a running or paused VM on its host: they share its unchanged RAM "
                + "pages copy-on-write, and each gets its own name, MAC and address.")
final class VmCloneCommand implements Callable<Integer> {

    @Mixin
    private HostOption host;

    @Parameters(paramLabel = "VM", description = "The VM to clone.")
    private String name;

    @Option(names = "--count", required = true, paramLabel = "N", description = "How many clones (1 to 64).")
    private int count;

    @Option(names = "--prefix", paramLabel = "P",
            description = "Name the clones P-1 .. P-N (default: the VM's name).")
    private String prefix;

    @Option(names = "--ip", paramLabel = "A.B.C.D/N", split = ",",
            description = "The clones' addresses, one per clone (default: the addresses after the VM's own).")
    private List<String> ips;

    @Override
    public Integer call() {
        CloneResult r = HostClient.convert(host.client().post(VmCommand.path(name) + "/clone",
                new CloneRequest(count, prefix, ips)), CloneResult.class);
        System.out.printf(Locale.ROOT, "%s: %d clones; paused %.1f ms, %s shared, %.1f ms in all%n", r.parent(),
                r.clones().size(), r.pauseMs(), ReportFormat.bytes(r.snapshotBytes()), r.totalMs());
        for (CloneResult.Clone c : r.clones()) {
            System.out.printf(Locale.ROOT, "  %-20s %-17s %-18s %6.1f ms%n", c.name(), c.mac() == null ? "-" : c.mac(),
                    c.ip() == null ? "-" : c.ip(), c.createMs());
        }
        return 0;
    }
}
