package dev.ferry.cli;

import com.fasterxml.jackson.core.JacksonException;
import dev.ferry.host.api.Json;
import dev.ferry.host.api.MigrateRequest;
import dev.ferry.host.api.MigrationStarted;
import dev.ferry.host.api.MigrationView;
import dev.ferry.host.api.ReportView;
import dev.ferry.migration.PageOrder;
import dev.ferry.migration.RateMode;
import dev.ferry.migration.StallAction;
import dev.ferry.migration.Strategy;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry migrate}: live-migrates a VM between hosts and reports how it went. */
@Command(name = "migrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Live-migrate VM NAME from host --from to host --to (control API addresses), show progress "
                + "on stderr and print the report.",
                "Exit status: 0 when the VM runs on the target, 1 when the migration failed (the report says why), "
                + "2 for bad input, 3 when it was cancelled (the VM runs on the source). --status exits the same "
                + "way once the migration ended, 0 while it runs.",
                "Ctrl-C stops watching; the migration goes on. Also: --status ID, --cancel ID, --recover ID or "
                + "--push-rest ID of a migration started on --from."})
public final class MigrateCommand implements Callable<Integer> {

    /** Exit status of a migration that failed. */
    public static final int EXIT_FAILED = 1;
    /** Exit status of a migration the user cancelled: the VM runs on the source as before. */
    public static final int EXIT_CANCELLED = 3;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The VM to migrate.")
    private String name;

    @Option(names = "--from", paramLabel = "HOST:PORT", required = true, description = "Source host's control API.")
    private String from;

    @Option(names = "--to", paramLabel = "HOST:PORT", description = "Target host's control API.")
    private String to;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The source host's API token (default: $XDG_CONFIG_HOME/ferry/token, which hosts create).")
    private Path tokenFile;

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "precopy",
            description = "precopy, postcopy, hybrid, stopcopy or demand (default: ${DEFAULT-VALUE}). A demand "
                    + "migration moves pages only when the target touches them; --push-rest ID finishes it.")
    private String strategy;

    @Option(names = "--streams", paramLabel = "N", description = "Parallel TCP connections for pages (1..16).")
    private Integer streams;

    @Option(names = "--bandwidth", paramLabel = "RATE", converter = RateConverter.class,
            description = "Fixed send-rate cap in bits/s, e.g. 1G, 500M (default: unlimited).")
    private Long bandwidth;

    @Option(names = "--rate", paramLabel = "MODE", description = "fixed (default) or dynamic (Clark's rate limiting).")
    private String rate;

    @Option(names = "--min-rate", paramLabel = "RATE", converter = RateConverter.class,
            description = "Dynamic rate: first round's rate (bits/s).")
    private Long minRate;

    @Option(names = "--max-rate", paramLabel = "RATE", converter = RateConverter.class,
            description = "Dynamic rate: ceiling (bits/s).")
    private Long maxRate;

    @Option(names = "--max-downtime", paramLabel = "MS", description = "Pre-copy stops when the expected downtime "
            + "is below this.")
    private Long maxDowntime;

    @Option(names = "--max-rounds", paramLabel = "N", description = "Pre-copy stops after N rounds.")
    private Integer maxRounds;

    @Option(names = "--precopy-rounds", paramLabel = "K", description = "Hybrid: pre-copy rounds before post-copy.")
    private Integer precopyRounds;

    @Option(names = "--auto-converge", description = "Throttle the vCPU while it dirties memory faster than we send.")
    private boolean autoConverge;

    @Option(names = "--on-stall", paramLabel = "ACTION", description = "When pre-copy stops converging: postcopy, "
            + "throttle or abort.")
    private String onStall;

    @Option(names = "--order", paramLabel = "ORDER", description = "Page order in a round: sequential or frequency.")
    private String order;

    @Option(names = "--delay-hot", paramLabel = "F", description = "Delay pages written in at least this share of "
            + "recent rounds (0..1) until stop-and-copy.")
    private Double delayHot;

    @Option(names = "--no-skip-redirtied", description = "Send pages even when dirtied again during the round.")
    private boolean noSkipRedirtied;

    @Option(names = "--no-zero-pages", description = "Send zero pages in full.")
    private boolean noZeroPages;

    @Option(names = "--xbzrle", description = "Send re-sent pages as a delta against the last copy.")
    private boolean xbzrle;

    @Option(names = "--lz4", description = "Compress pages with LZ4.")
    private boolean lz4;

    @Option(names = "--copy-disks", description = "Copy the VM's writable disk files to the target with its memory "
            + "(their blocks move in the same rounds); without it, disks are shared storage both hosts reach.")
    private boolean copyDisks;

    @Option(names = "--no-skip-free", description = "Send pages the guest reported free.")
    private boolean noSkipFree;

    @Option(names = "--prepage", paramLabel = "N", description = "Post-copy: pages around a fault sent with it.")
    private Integer prepage;

    @Option(names = "--switchover-timeout", paramLabel = "MS", description = "Abort and resume the VM here when "
            + "the target has not confirmed the switchover this many milliseconds after the VM paused (default: a "
            + "few times the expected downtime, at least 1000).")
    private Long switchoverTimeout;

    @Option(names = "--demand-idle-push", paramLabel = "MS", description = "Demand: push the pages the target has "
            + "not pulled once no fault has come for this many milliseconds (default 5000).")
    private Long demandIdlePush;

    @Option(names = "--json", description = "Print the report (with --status: the status, and the report once "
            + "done) as one JSON object on stdout.")
    private boolean json;

    @Option(names = "--status", paramLabel = "ID", description = "Show a migration's status (and report when done).")
    private String status;

    @Option(names = "--cancel", paramLabel = "ID", description = "Cancel a migration before switchover.")
    private String cancel;

    @Option(names = "--recover", paramLabel = "ID", description = "Resume a post-copy migration whose connection "
            + "was lost (asks --to, or the original target, for its endpoint).")
    private String recover;

    @Option(names = "--push-rest", paramLabel = "ID", description = "Demand migration past switchover: push every "
            + "page the target has not pulled yet, so the migration completes.")
    private String pushRest;

    @Override
    public Integer call() throws InterruptedException {
        int actions = (status != null ? 1 : 0) + (cancel != null ? 1 : 0) + (recover != null ? 1 : 0)
                + (pushRest != null ? 1 : 0);
        if (actions > 1) {
            throw new UserError("--status, --cancel, --recover and --push-rest exclude each other");
        }
        HostClient source = new HostClient(from, TokenFile.of(tokenFile));
        PrintStream out = System.out;
        if (status != null) {
            requireNoName("--status");
            MigrationView view = source.get(migrationPath(status), MigrationView.class);
            if (json) {
                printJson(view, out);
            } else {
                printView(view, out);
            }
            return view.done() ? exitStatus(view.report()) : 0;
        }
        if (pushRest != null) {
            requireNoName("--push-rest");
            MigrationView view = HostClient.convert(source.post(migrationPath(pushRest) + "/push-rest", null),
                    MigrationView.class);
            out.println("migration " + view.id() + ": pushing the pages the target has not pulled (phase "
                    + view.phase() + ")");
            return 0;
        }
        if (cancel != null) {
            requireNoName("--cancel");
            MigrationView view = HostClient.convert(source.post(migrationPath(cancel) + "/cancel", null),
                    MigrationView.class);
            out.println("migration " + view.id() + ": cancel requested (phase " + view.phase() + ")");
            return 0;
        }
        if (recover != null) {
            requireNoName("--recover");
            MigrationView view = HostClient.convert(source.post(migrationPath(recover) + "/recover",
                    new RecoverBody(to)), MigrationView.class);
            out.println("migration " + view.id() + ": recovering (phase " + view.phase() + ")");
            return 0;
        }
        if (name == null) {
            throw new UserError("name the VM to migrate (or give --status, --cancel, --recover or --push-rest ID)");
        }
        if (to == null) {
            throw new UserError("--to: give the target host's control API address (HOST:PORT)");
        }
        new HostClient(to, source.token());
        MigrateRequest request = request();
        MigrationStarted started = HostClient.convert(source.post(VmCommand.path(name) + "/migrate", request),
                MigrationStarted.class);
        MigrationView done = follow(source, started.id(), System.err, false);
        if (json) {
            printJson(done.report(), out);
        } else {
            ReportFormat.print(done.report(), out);
        }
        return exitStatus(done.report());
    }

    /** 0 when the VM runs on the target, {@link #EXIT_CANCELLED} when the user cancelled, else {@link #EXIT_FAILED}. */
    static int exitStatus(ReportView report) {
        String outcome = ReportFormat.outcome(report);
        return report.success() ? 0 : ReportView.CANCELLED.equals(outcome) ? EXIT_CANCELLED : EXIT_FAILED;
    }

    private static void printJson(Object value, PrintStream out) {
        try {
            out.println(Json.mapper().writeValueAsString(value));
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Migrates {@code vm} from {@code source} to the host whose control API is {@code to} with {@code strategy}
     * (and {@code onStall}, if not null), following it line by line on {@code progress}; returns the report. The
     * demos' migrations.
     */
    static ReportView migrateAndFollow(HostClient source, String vm, String to, String strategy, String onStall,
            PrintStream progress) throws InterruptedException {
        MigrationStarted started = HostClient.convert(source.post("/v1/vms/" + vm + "/migrate",
                new MigrateRequest(to, strategy, null, null, null, null, null, null, null, null, null, onStall,
                        null, null, null, null, null, null, null, null)), MigrationStarted.class);
        return follow(source, started.id(), progress, true).report();
    }

    /**
     * Polls a migration until its report is in. Progress goes to {@code progress} (if not null): one line that
     * updates in place, or with {@code lineByLine} a new line whenever the phase or round changes.
     */
    public static MigrationView follow(HostClient source, String id, PrintStream progress, boolean lineByLine)
            throws InterruptedException {
        int width = 0;
        String lastStep = null;
        while (true) {
            MigrationView view = source.get(migrationPath(id), MigrationView.class);
            if (progress != null) {
                String line = ReportFormat.progress(view);
                if (lineByLine) {
                    String step = view.phase() + "/" + view.round();
                    if (!step.equals(lastStep)) {
                        progress.println("   " + line);
                        lastStep = step;
                    }
                } else {
                    progress.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
                    width = line.length();
                    if (view.done()) {
                        progress.println();
                    }
                }
                progress.flush();
            }
            if (view.done()) {
                return view;
            }
            Thread.sleep(200);
        }
    }

    private MigrateRequest request() {
        String s = parse(Strategy.class, "--strategy", strategy);
        return new MigrateRequest(to, s, streams, bandwidth == null ? null : bandwidth.toString(),
                rate == null ? null : parse(RateMode.class, "--rate", rate),
                minRate == null ? null : minRate.toString(), maxRate == null ? null : maxRate.toString(), maxDowntime,
                maxRounds, precopyRounds, autoConverge ? Boolean.TRUE : null,
                onStall == null ? null : parse(StallAction.class, "--on-stall", onStall),
                order == null ? null : parse(PageOrder.class, "--order", order), delayHot,
                noSkipRedirtied ? Boolean.FALSE : null, noZeroPages ? Boolean.FALSE : null,
                xbzrle ? Boolean.TRUE : null, lz4 ? Boolean.TRUE : null, noSkipFree ? Boolean.FALSE : null, prepage,
                switchoverTimeout, demandIdlePush, copyDisks ? Boolean.TRUE : null);
    }

    private static <E extends Enum<E>> String parse(Class<E> type, String option, String value) {
        try {
            return MigrateRequest.parseEnum(type, option, value).name().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private void requireNoName(String option) {
        if (name != null) {
            throw new UserError(option + " takes a migration id, not a VM name: drop '" + name + "'");
        }
    }

    private static String migrationPath(String id) {
        return "/v1/migrations/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    private static void printView(MigrationView v, PrintStream out) {
        out.println(ReportFormat.progress(v));
        if (v.error() != null) {
            out.println("error: " + v.error());
        }
        if (v.report() != null) {
            ReportFormat.print(v.report(), out);
        }
    }

    /** Body of a recover request. */
    record RecoverBody(String to) { }
}
