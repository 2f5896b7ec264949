package dev.ferry.bench.migrate;

import dev.ferry.bench.migrate.MigrationCase.FerryVariant;
import dev.ferry.bench.migrate.MigrationCase.QemuPlan;
import dev.ferry.migration.EncryptionMode;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The named cases of {@code ferry bench migrate} (the targets of issue 6) and the older matrix of images, RAM
 * sizes and strategies, built from the command's settings.
 */
final class CaseCatalog {

    static final String IDLE = "idle-1g";
    static final String IDLE_POSTCOPY = "idle-1g-postcopy";
    static final String IDLE_HYBRID = "idle-1g-hybrid";
    static final String MUNCH_RATED = "munch-rated";
    static final String SKEWED = "skewed";
    static final String IDLE_ENCRYPTED = "idle-1g-encrypted";
    static final String MATRIX = "matrix";

    /** The cases a plain {@code ferry bench migrate} runs. */
    static final List<String> DEFAULT_CASES = List.of(IDLE, IDLE_POSTCOPY, IDLE_HYBRID, MUNCH_RATED, SKEWED,
            IDLE_ENCRYPTED);

    static final String IDLE_ARGS = "touch=192M sleep=0";
    static final String MUNCH_RATED_ARGS = "wss=64M rate=20000 passes=0";
    static final String SKEWED_ARGS = "wss=96M hot=32M hotx=64 rate=400000 passes=0";
    static final List<String> STRATEGIES = List.of("stopcopy", "precopy", "postcopy", "hybrid");

    /**
     * What the command line chose.
     *
     * @param maxDowntimeMs       pre-copy downtime limit of idle-1g, munch-rated and skewed, on both engines
     * @param skewedRounds        pre-copy rounds of both skewed variants
     * @param bandwidthBitsPerSec Ferry's send-rate cap, 0 = unlimited
     * @param caseArgs            boot arguments replacing a named case's
     * @param aidsOnStall         matrix: stall action of Ferry's {@code precopy+aids}
     * @param images              matrix: guest images
     * @param mems                matrix: RAM sizes
     * @param strategies          matrix: strategies
     * @param idleArgs            matrix: boot arguments of idle
     * @param munchArgs           matrix: boot arguments of munch
     */
    record Settings(long maxDowntimeMs, int skewedRounds, long bandwidthBitsPerSec, Map<String, String> caseArgs,
            StallAction aidsOnStall, List<String> images, List<String> mems, List<String> strategies,
            String idleArgs, String munchArgs) { }

    private final Settings settings;
    private final Map<String, Supplier<List<MigrationCase>>> named = new LinkedHashMap<>();

    CaseCatalog(Settings settings) {
        this.settings = settings;
        named.put(IDLE, () -> List.of(idlePrecopy()));
        named.put(IDLE_POSTCOPY, () -> List.of(idleSwitchover(IDLE_POSTCOPY, "postcopy")));
        named.put(IDLE_HYBRID, () -> List.of(idleSwitchover(IDLE_HYBRID, "hybrid")));
        named.put(MUNCH_RATED, () -> List.of(munchRated()));
        named.put(SKEWED, () -> List.of(skewed()));
        named.put(IDLE_ENCRYPTED, () -> List.of(idleEncrypted()));
        named.put(MATRIX, () -> matrix());
        for (String name : settings.caseArgs().keySet()) {
            if (!named.containsKey(name) || name.equals(MATRIX)) {
                throw new IllegalArgumentException("--case-args: no named case " + name + "; expected one of "
                        + DEFAULT_CASES);
            }
        }
    }

    /** Every case name {@code --case} accepts. */
    List<String> names() {
        return List.copyOf(named.keySet());
    }

    /** The cases named, in order; throws IllegalArgumentException for an unknown name. */
    List<MigrationCase> select(List<String> names) {
        List<MigrationCase> cases = new ArrayList<>();
        for (String name : names) {
            Supplier<List<MigrationCase>> c = named.get(name);
            if (c == null) {
                throw new IllegalArgumentException("unknown case " + name + "; expected one of " + names());
            }
            cases.addAll(c.get());
        }
        return cases;
    }

    /** Idle guest, 192 MiB touched of 1 GiB, pre-copy at the same downtime limit on both engines. */
    private MigrationCase idlePrecopy() {
        Workload w = Workload.of("idle", args(IDLE, IDLE_ARGS), 1L << 30);
        return new MigrationCase(IDLE, w, List.of(new FerryVariant("precopy",
                options(Strategy.PRECOPY).with("maxDowntimeMillis", settings.maxDowntimeMs()).build())),
                new QemuPlan("precopy", settings.maxDowntimeMs()));
    }

    /** The idle guest with a strategy that switches over first (post-copy) or after a few rounds (hybrid). */
    private MigrationCase idleSwitchover(String name, String strategy) {
        Workload w = Workload.of("idle", args(name, IDLE_ARGS), 1L << 30);
        return new MigrationCase(name, w, List.of(new FerryVariant(strategy, options(strategy(strategy)).build())),
                new QemuPlan(strategy, 0));
    }

    /** Munch at a dirty rate both engines converge on, same downtime limit on both. */
    private MigrationCase munchRated() {
        Workload w = Workload.of("munch", args(MUNCH_RATED, MUNCH_RATED_ARGS), 256L << 20);
        return new MigrationCase(MUNCH_RATED, w, List.of(new FerryVariant("precopy",
                options(Strategy.PRECOPY).with("maxDowntimeMillis", settings.maxDowntimeMs()).build())),
                new QemuPlan("precopy", settings.maxDowntimeMs()));
    }

    /**
     * Munch with a hot set, which pre-copy does not converge on by itself: sequential order against frequency
     * order with delayed hot pages (Checconi et al.), both stopping after the same number of rounds. Ferry only.
     */
    private MigrationCase skewed() {
        Workload w = Workload.of("munch", args(SKEWED, SKEWED_ARGS), 256L << 20);
        FerryOptions sequential = options(Strategy.PRECOPY).with("maxDowntimeMillis", settings.maxDowntimeMs())
                .with("maxRounds", settings.skewedRounds()).with("order", PageOrder.SEQUENTIAL);
        FerryOptions frequency = options(Strategy.PRECOPY).with("maxDowntimeMillis", settings.maxDowntimeMs())
                .with("maxRounds", settings.skewedRounds()).with("order", PageOrder.FREQUENCY)
                .with("delayHotThreshold", 0.5);
        return new MigrationCase(SKEWED, w, List.of(new FerryVariant("sequential", sequential.build()),
                new FerryVariant("frequency+delay-hot", frequency.build())), null);
    }

    /**
     * The idle guest of idle-1g, pre-copy with its downtime limit, plain (the loopback default) and with encryption
     * forced on: what AES-256-GCM costs. Ferry only.
     */
    private MigrationCase idleEncrypted() {
        Workload w = Workload.of("idle", args(IDLE_ENCRYPTED, IDLE_ARGS), 1L << 30);
        MigrationOptions o = options(Strategy.PRECOPY).with("maxDowntimeMillis", settings.maxDowntimeMs()).build();
        return new MigrationCase(IDLE_ENCRYPTED, w, List.of(new FerryVariant("precopy", o),
                new FerryVariant("precopy+aes-gcm", o, EncryptionPolicy.of(EncryptionMode.ALWAYS))), null);
    }

    /** Every image, RAM size and strategy with each engine's defaults; munch pre-copy also with Ferry's aids. */
    private List<MigrationCase> matrix() {
        Map<String, String> imageArgs = Map.of("idle", settings.idleArgs(), "munch", settings.munchArgs());
        List<MigrationCase> cases = new ArrayList<>();
        for (String image : settings.images()) {
            String args = imageArgs.get(image);
            if (args == null) {
                throw new IllegalArgumentException("unknown image " + image + "; expected idle or munch");
            }
            for (String size : settings.mems()) {
                Workload w = Workload.of(image, args, Sizes.parse(size));
                for (String strategy : settings.strategies()) {
                    List<FerryVariant> ferry = new ArrayList<>();
                    ferry.add(new FerryVariant(strategy, options(strategy(strategy)).build()));
                    if (image.equals("munch") && strategy.equals("precopy")) {
                        ferry.add(new FerryVariant("precopy+aids", options(Strategy.PRECOPY)
                                .with("autoConverge", true).with("onStall", settings.aidsOnStall())
                                .with("order", PageOrder.FREQUENCY).with("delayHotThreshold", 0.5).build()));
                    }
                    cases.add(new MigrationCase(image + "-" + w.ramLabel() + "-" + strategy, w, ferry,
                            new QemuPlan(strategy, 0)));
                }
            }
        }
        return cases;
    }

    private String args(String caseName, String fallback) {
        return settings.caseArgs().getOrDefault(caseName, fallback);
    }

    private FerryOptions options(Strategy strategy) {
        return FerryOptions.defaults(strategy).with("bandwidthBitsPerSec", settings.bandwidthBitsPerSec());
    }

    /** The strategy a table name stands for. */
    static Strategy strategy(String name) {
        if (!STRATEGIES.contains(name)) {
            throw new IllegalArgumentException("unknown strategy " + name + "; expected one of " + STRATEGIES);
        }
        return Strategy.valueOf(name.toUpperCase(Locale.ROOT));
    }
}
