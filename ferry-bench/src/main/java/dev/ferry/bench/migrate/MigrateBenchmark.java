package dev.ferry.bench.migrate;

import dev.ferry.bench.measure.GcPauseLog;
import dev.ferry.bench.measure.LoopbackRate;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationWarmup;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry bench migrate}: live migration on Ferry and on QEMU, side by side, with the same guest images,
 * RAM sizes and strategies, over loopback TCP. Named cases ({@code --case}) measure the targets of issue 6;
 * the {@code matrix} case is the cross product of {@code --images}, {@code --mem} and {@code --strategies} with
 * each engine's defaults. Ferry's source runs in this JVM and its target in a child JVM, and each side's GC
 * pauses during every migration are recorded; the loopback rate {@code iperf3} measures gives each case's wire
 * time.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Live migration on Ferry and on qemu-system-riscv64 over loopback: total time, downtime, "
                + "bytes sent, rounds, total time over wire time, GC pauses per side.")
public final class MigrateBenchmark implements Callable<Integer> {

    private static final long QEMU_UNLIMITED = 100L << 30;
    private static final List<String> MATRIX_OPTIONS = List.of("--mem", "--images", "--strategies", "--idle-args",
            "--munch-args", "--aids-on-stall");

    @Spec
    private CommandSpec spec;

    @Option(names = "--case", split = ",", description = "Cases to run: idle-1g, idle-1g-postcopy, idle-1g-hybrid, "
            + "munch-rated, skewed, idle-1g-encrypted, matrix (default: all but matrix; matrix when a matrix option "
            + "is given).")
    private List<String> cases;

    @Option(names = "--repeat", description = "Runs per case and engine (default: ${DEFAULT-VALUE}).")
    private int repeat = 1;

    @Option(names = "--max-downtime", description = "Pre-copy downtime limit in ms of idle-1g, munch-rated and "
            + "skewed, Ferry's --max-downtime and QEMU's downtime-limit alike (default: ${DEFAULT-VALUE}).")
    private long maxDowntimeMs = 10;

    @Option(names = "--max-rounds", description = "Pre-copy rounds of both skewed variants (default: "
            + "${DEFAULT-VALUE}).")
    private int skewedRounds = 4;

    @Option(names = "--case-args", description = "Boot arguments replacing a named case's, as CASE=ARGS "
            + "(e.g. --case-args \"skewed=wss=64M hot=8M hotx=32 rate=100000 passes=0\").")
    private Map<String, String> caseArgs = new HashMap<>();

    @Option(names = "--mem", split = ",", description = "matrix: guest RAM sizes (default: ${DEFAULT-VALUE}).")
    private List<String> mem = List.of("256M", "1G");

    @Option(names = "--images", split = ",", description = "matrix: guest images, idle and munch "
            + "(default: ${DEFAULT-VALUE}).")
    private List<String> images = List.of("idle", "munch");

    @Option(names = "--strategies", split = ",", description = "matrix: any of ${DEFAULT-VALUE}.")
    private List<String> strategies = CaseCatalog.STRATEGIES;

    @Option(names = "--idle-args", description = "matrix: boot arguments of idle (default: ${DEFAULT-VALUE}).")
    private String idleArgs = "touch=64M sleep=0";

    @Option(names = "--munch-args", description = "matrix: boot arguments of munch (default: ${DEFAULT-VALUE}).")
    private String munchArgs = "wss=64M rate=max passes=0";

    @Option(names = "--aids-on-stall", description = "matrix: stall action of Ferry's pre-copy with convergence aids "
            + "on munch: THROTTLE or POSTCOPY (default: ${DEFAULT-VALUE}).")
    private StallAction aidsOnStall = StallAction.THROTTLE;

    @Option(names = "--warmup", description = "Milliseconds a guest runs after it established its working set (idle: "
            + "touched its pages, munch: finished its first pass) before it migrates (default: ${DEFAULT-VALUE}).")
    private long warmupMillis = 1000;

    @Option(names = "--timeout", description = "Seconds before a migration is cancelled (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds = 60;

    @Option(names = "--jit-warmup", negatable = true, description = "Run the warm-up a host runs at start, then "
            + "migrate idle once per strategy and encryption on Ferry, untimed, before measuring (default: "
            + "${DEFAULT-VALUE}).")
    private boolean jitWarmup = true;

    @Option(names = "--skip-qemu", description = "Measure Ferry only.")
    private boolean skipQemu;

    @Option(names = "--qemu", description = "QEMU binary (default: ${DEFAULT-VALUE}).")
    private String qemu = "qemu-system-riscv64";

    @Option(names = "--bandwidth", description = "Send-rate cap in bytes/s (K, M, G suffixes) for both engines; 0 = "
            + "unlimited (QEMU, which has no unlimited setting, gets 100G) (default: ${DEFAULT-VALUE}).")
    private String bandwidth = "0";

    @Option(names = "--qemu-max-bandwidth", description = "Overrides QEMU's max-bandwidth only (bytes/s); 0 keeps "
            + "QEMU's own default, 128 MiB/s in 7.2.")
    private String qemuMaxBandwidth;

    @Option(names = "--iperf-seconds", description = "Seconds iperf3 measures the loopback rate; 0 skips it "
            + "(default: ${DEFAULT-VALUE}).")
    private int iperfSeconds = 2;

    @Override
    public Integer call() throws Exception {
        List<MigrationCase> selected;
        long capBytes;
        long qemuBandwidth;
        try {
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat must be at least 1");
            }
            capBytes = Sizes.parse(bandwidth);
            qemuBandwidth = qemuMaxBandwidth != null ? Sizes.parse(qemuMaxBandwidth)
                    : capBytes > 0 ? capBytes : QEMU_UNLIMITED;
            selected = new CaseCatalog(new CaseCatalog.Settings(maxDowntimeMs, skewedRounds, capBytes * 8, caseArgs,
                    aidsOnStall, images, mem, strategies, idleArgs, munchArgs)).select(caseNames());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        GuestImages installed = GuestImages.ofInstallation();
        Map<String, ElfImage> elves = new HashMap<>();
        for (MigrationCase c : selected) {
            elves.computeIfAbsent(c.workload().image(), image -> load(installed, image));
        }
        PrintStream out = System.out;
        LoopbackRate wire = iperfSeconds > 0 ? LoopbackRate.measure(iperfSeconds)
                : new LoopbackRate(Double.NaN, "not measured (--iperf-seconds 0)");
        long timeoutMillis = timeoutSeconds * 1000;
        try (GcPauseLog sourceGc = GcPauseLog.start(); ChildHost target = ChildHost.start("target")) {
            out.printf("ferry bench migrate, %s, %d cores; warm-up %d ms, timeout %d s, Ferry bandwidth %s, "
                    + "QEMU max-bandwidth %s%n", Instant.now().truncatedTo(ChronoUnit.SECONDS),
                    Runtime.getRuntime().availableProcessors(), warmupMillis, timeoutSeconds,
                    capBytes == 0 ? "unlimited" : Sizes.format(capBytes) + "/s",
                    skipQemu ? "-" : qemuBandwidth == 0 ? "QEMU default" : Sizes.format(qemuBandwidth) + "/s");
            out.printf("Ferry: source in this JVM (pid %d), target in a child JVM (pid %d), default heap settings%n",
                    ProcessHandle.current().pid(), target.pid());
            printWire(out, wire, selected);
            FerryMigrationRun ferry = new FerryMigrationRun(warmupMillis, timeoutMillis, target, sourceGc);
            if (jitWarmup) {
                MigrationWarmup.run();
                warmUpFerry(ferry, installed, selected);
            }
            QemuMigrationRun qemuRun = new QemuMigrationRun(qemu, warmupMillis, timeoutMillis, qemuBandwidth,
                    MigrationOptions.defaults(Strategy.HYBRID).precopyRounds());
            MigrationTable table = new MigrationTable(out, wire);
            table.printHeader();
            List<MigrationResult> results = new ArrayList<>();
            for (MigrationCase c : selected) {
                ElfImage elf = elves.get(c.workload().image());
                for (int r = 0; r < repeat; r++) {
                    for (MigrationCase.FerryVariant v : c.ferry()) {
                        results.add(table.row(ferry.run(elf, c, v)));
                    }
                    if (!skipQemu && c.qemu() != null) {
                        results.add(table.row(qemuRun.run(elf.path(), c)));
                    }
                }
            }
            table.printNotes();
            if (repeat > 1) {
                table.printDistributions(results);
            }
            table.printSummary(results);
            new TargetCheck(out, results, table).print();
        }
        return 0;
    }

    /** The cases asked for: {@code --case}, else matrix when a matrix option was given, else the named cases. */
    private List<String> caseNames() {
        if (cases != null) {
            return cases;
        }
        boolean matrixOption = MATRIX_OPTIONS.stream().anyMatch(o -> spec.commandLine().getParseResult()
                .hasMatchedOption(o));
        return matrixOption ? List.of(CaseCatalog.MATRIX) : CaseCatalog.DEFAULT_CASES;
    }

    private ElfImage load(GuestImages installed, String image) {
        try {
            return installed.load(image);
        } catch (Exception e) {
            throw new ParameterException(spec.commandLine(), "cannot load image " + image + ": " + e.getMessage());
        }
    }

    /** The loopback rate and each case's wire time, or why there is none. */
    private static void printWire(PrintStream out, LoopbackRate wire, List<MigrationCase> cases) {
        if (!wire.known()) {
            out.println("Loopback TCP rate: unknown, " + wire.problem() + "; no total/wire ratios");
            return;
        }
        out.printf("Loopback TCP rate (iperf3, 127.0.0.1): %.2f Gbit/s; wire time of the touched memory at that "
                + "rate:%n", wire.bitsPerSec() / 1e9);
        for (MigrationCase c : cases) {
            Workload w = c.workload();
            out.printf("  %-20s %s touched: %.1f ms%n", c.name(), Sizes.format(w.touchedBytes()),
                    wire.wireMillis(w.touchedBytes()));
        }
    }

    /**
     * One untimed Ferry migration per strategy and encryption policy, so that the table does not measure the JIT
     * compiling the engine.
     */
    private void warmUpFerry(FerryMigrationRun ferry, GuestImages installed, List<MigrationCase> cases)
            throws Exception {
        ElfImage idle = installed.load("idle");
        Workload w = Workload.of("idle", "touch=64M sleep=0", 256L << 20);
        Set<List<Object>> done = new LinkedHashSet<>();
        for (MigrationCase c : cases) {
            for (MigrationCase.FerryVariant v : c.ferry()) {
                Strategy s = v.options().strategy();
                if (done.add(List.of(s, v.encryption()))) {
                    MigrationCase.FerryVariant plain = new MigrationCase.FerryVariant(v.label(),
                            MigrationOptions.defaults(s), v.encryption());
                    ferry.run(idle, new MigrationCase("warm-up", w, List.of(plain), null), plain);
                }
            }
        }
    }
}
