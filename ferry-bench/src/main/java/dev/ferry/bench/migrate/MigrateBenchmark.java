package dev.ferry.bench.migrate;

import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry bench migrate}: live migration on Ferry and on QEMU, side by side, with the same guest images,
 * RAM sizes and strategies. Both engines migrate over loopback TCP with their default options; each guest runs
 * for a warm-up first so that its working set is established. For {@code munch} Ferry also migrates once more
 * with pre-copy and its convergence aids (frequency order, delay-hot, auto-converge).
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Live migration on Ferry and on qemu-system-riscv64 over loopback: total time, downtime, "
                + "bytes sent, rounds.")
public final class MigrateBenchmark implements Callable<Integer> {

    private static final long QEMU_UNLIMITED = 100L << 30;
    private static final List<String> STRATEGIES = List.of("stopcopy", "precopy", "postcopy", "hybrid");

    @Option(names = "--mem", split = ",", description = "Guest RAM sizes (default: ${DEFAULT-VALUE}).")
    private List<String> mem = List.of("256M", "1G");

    @Option(names = "--images", split = ",", description = "Guest images: idle, munch (default: ${DEFAULT-VALUE}).")
    private List<String> images = List.of("idle", "munch");

    @Option(names = "--strategies", split = ",", description = "Any of ${DEFAULT-VALUE}.")
    private List<String> strategies = STRATEGIES;

    @Option(names = "--repeat", description = "Runs per case; the summary uses the median (default: ${DEFAULT-VALUE}).")
    private int repeat = 1;

    @Option(names = "--idle-args", description = "Boot arguments of idle (default: ${DEFAULT-VALUE}).")
    private String idleArgs = "touch=64M sleep=0";

    @Option(names = "--munch-args", description = "Boot arguments of munch (default: ${DEFAULT-VALUE}).")
    private String munchArgs = "wss=64M rate=max passes=0";

    @Option(names = "--warmup", description = "Milliseconds a guest runs after it established its working set (idle: "
            + "touched its pages, munch: finished its first pass) before it migrates (default: ${DEFAULT-VALUE}).")
    private long warmupMillis = 1000;

    @Option(names = "--timeout", description = "Seconds before a migration is cancelled (default: ${DEFAULT-VALUE}).")
    private long timeoutSeconds = 60;

    @Option(names = "--aids-on-stall", description = "Stall action of Ferry's pre-copy with convergence aids on munch: "
            + "THROTTLE or POSTCOPY (default: ${DEFAULT-VALUE}).")
    private StallAction aidsOnStall = StallAction.THROTTLE;

    @Option(names = "--jit-warmup", negatable = true, description = "Migrate idle once per strategy on Ferry, "
            + "untimed, before measuring (default: ${DEFAULT-VALUE}).")
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

    @Override
    public Integer call() throws Exception {
        for (String s : strategies) {
            if (!STRATEGIES.contains(s)) {
                throw new IllegalArgumentException("unknown strategy " + s + "; expected one of " + STRATEGIES);
            }
        }
        Map<String, String> guestArgs = Map.of("idle", idleArgs, "munch", munchArgs);
        Map<String, String> readyLines = Map.of("idle", "idle: sleeping", "munch", "munch: pass 1\n");
        GuestImages installed = GuestImages.ofInstallation();
        long timeoutMillis = timeoutSeconds * 1000;
        FerryMigrationRun ferry = new FerryMigrationRun(warmupMillis, timeoutMillis);
        int hybridRounds = MigrationOptions.defaults(Strategy.HYBRID).precopyRounds();
        long capBytes = Sizes.parse(bandwidth);
        long qemuBandwidth = qemuMaxBandwidth != null ? Sizes.parse(qemuMaxBandwidth)
                : capBytes > 0 ? capBytes : QEMU_UNLIMITED;
        QemuMigrationRun qemuRun = new QemuMigrationRun(qemu, warmupMillis, timeoutMillis, qemuBandwidth,
                hybridRounds);

        PrintStream out = System.out;
        out.printf("ferry bench migrate, %s, %d cores; warm-up %d ms, timeout %d s, Ferry bandwidth %s, "
                + "QEMU max-bandwidth %s%n", Instant.now().truncatedTo(ChronoUnit.SECONDS),
                Runtime.getRuntime().availableProcessors(), warmupMillis, timeoutSeconds,
                capBytes == 0 ? "unlimited" : Sizes.format(capBytes) + "/s",
                skipQemu ? "-" : qemuBandwidth == 0 ? "QEMU default" : Sizes.format(qemuBandwidth) + "/s");
        if (jitWarmup) {
            warmUpFerry(ferry, installed, guestArgs, readyLines);
        }
        MigrationTable table = new MigrationTable(out);
        table.printHeader();
        List<MigrationResult> results = new ArrayList<>();
        for (String image : images) {
            String args = guestArgs.get(image);
            if (args == null) {
                throw new IllegalArgumentException("unknown image " + image + "; expected idle or munch");
            }
            ElfImage elf = installed.load(image);
            for (String size : mem) {
                long ram = Sizes.parse(size);
                for (String strategy : strategies) {
                    MigrationCase c = new MigrationCase(image, args, ram, strategy, readyLines.get(image));
                    for (int r = 0; r < repeat; r++) {
                        results.add(table.row(ferry.run(elf, c, strategy, ferryDefaults(strategy))));
                        if (image.equals("munch") && strategy.equals("precopy")) {
                            results.add(table.row(ferry.run(elf, c, "precopy+aids", convergenceAids())));
                        }
                        if (!skipQemu) {
                            results.add(table.row(qemuRun.run(elf.path(), c)));
                        }
                    }
                }
            }
        }
        table.printNotes();
        if (repeat > 1) {
            table.printMedians(results);
        }
        table.printSummary(results);
        return 0;
    }

    /** One untimed Ferry migration per strategy, so that the table does not measure the JIT compiling the engine. */
    private void warmUpFerry(FerryMigrationRun ferry, GuestImages installed, Map<String, String> guestArgs,
            Map<String, String> readyLines) throws Exception {
        ElfImage idle = installed.load("idle");
        for (String strategy : strategies) {
            MigrationCase c = new MigrationCase("idle", guestArgs.get("idle"), Sizes.parse(mem.get(0)), strategy,
                    readyLines.get("idle"));
            ferry.run(idle, c, strategy, ferryDefaults(strategy));
        }
    }

    /** Ferry's defaults for the strategy, with the {@code --bandwidth} cap. */
    private MigrationOptions ferryDefaults(String strategy) {
        return withAids(MigrationOptions.defaults(Strategy.valueOf(strategy.toUpperCase(Locale.ROOT))), false);
    }

    /** Pre-copy with frequency order, delay-hot 0.5, auto-converge and the chosen stall action. */
    private MigrationOptions convergenceAids() {
        return withAids(MigrationOptions.defaults(Strategy.PRECOPY), true);
    }

    private MigrationOptions withAids(MigrationOptions d, boolean aids) {
        return new MigrationOptions(d.strategy(), d.streams(), Sizes.parse(bandwidth) * 8, d.rate(),
                d.minRateBitsPerSec(), d.maxRateBitsPerSec(), d.maxDowntimeMillis(), d.maxRounds(), d.precopyRounds(),
                aids || d.autoConverge(), aids ? aidsOnStall : d.onStall(), aids ? PageOrder.FREQUENCY : d.order(),
                aids ? 0.5 : d.delayHotThreshold(), d.skipRedirtied(), d.zeroPages(), d.xbzrle(), d.lz4(),
                d.skipFreePages(), d.prepagingRadius());
    }
}
