package dev.ferry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cluster.ManagerDaemon;
import dev.ferry.cluster.dashboard.DashboardLink;
import dev.ferry.host.api.CreateVmRequest;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.api.Json;
import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry cluster}: without a subcommand, runs the cluster manager daemon; with one, talks to a manager —
 * status, inventory, drains, consolidation, load balancing, task remapping, VM placement.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Run the cluster manager (ferry cluster --listen HOST:PORT), or ask one to act.",
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Hosts.class, ClusterCommand.Vms.class,
            ClusterCommand.Migrations.class, ClusterCommand.Drain.class, ClusterCommand.Undrain.class,
            ClusterCommand.Consolidate.class, ClusterCommand.Balance.class, ClusterCommand.Remap.class,
            ClusterCommand.VmCreate.class, ClusterCommand.Dashboard.class})
final class ClusterCommand implements Callable<Integer> {

    /** Where the manager listens unless told otherwise. */
    static final String DEFAULT = "127.0.0.1:7200";

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = DEFAULT,
            description = "Address of the manager's API (loopback; default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The cluster's API token, the hosts' (default: $XDG_CONFIG_HOME/ferry/token).")
    Path tokenFile;

    @Option(names = "--checkpoint-interval", paramLabel = "SECONDS",
            description = "Checkpoint every running VM this often, into the hosts' shared template directory (0: "
                    + "never; default: 60).")
    Long checkpointSeconds;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address;
        try {
            address = HostAddress.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new UserError("--listen: " + e.getMessage());
        }
        ApiToken token;
        try {
            token = ApiToken.loadOrCreate(tokenFile != null ? tokenFile : ApiToken.defaultFile());
        } catch (IOException e) {
            throw new UserError("cannot read the API token: " + e.getMessage());
        }
        PrintStream out = System.out;
        ManagerDaemon daemon;
        try {
            daemon = ManagerDaemon.start(address, token, line -> log(out, line));
        } catch (BindException e) {
            throw new UserError("cannot listen on " + listen + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (checkpointSeconds != null) {
            if (checkpointSeconds < 0) {
                daemon.close();
                throw new UserError("--checkpoint-interval must not be negative");
            }
            daemon.manager().checkpointEvery(checkpointSeconds * 1000);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "ferry-cluster-shutdown"));
        log(out, "cluster manager: API http://" + HostAddress.format(daemon.address()) + "; hosts join with "
                + "ferry host --cluster " + HostAddress.format(daemon.address()));
        stopped.await();
        return 0;
    }

    private static void log(PrintStream out, String line) {
        synchronized (out) {
            out.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " " + line);
            out.flush();
        }
    }

    /** The {@code --manager} and {@code --token-file} options of the subcommands. */
    static final class ManagerOption {
        @Option(names = "--manager", paramLabel = "HOST:PORT", defaultValue = DEFAULT,
                description = "The manager's API address (default: ${DEFAULT-VALUE}).")
        String manager;

        @Option(names = "--token-file", paramLabel = "FILE",
                description = "The cluster's API token (default: $XDG_CONFIG_HOME/ferry/token).")
        Path tokenFile;

        @Option(names = "--json", description = "Print the manager's answer as JSON.")
        boolean json;

        HostClient client() {
            return new HostClient(manager, TokenFile.of(tokenFile));
        }

        void print(JsonNode answer, Runnable table) throws IOException {
            if (json) {
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(answer));
            } else {
                table.run();
            }
        }
    }

    private static void printPlan(JsonNode plan) {
        PrintStream out = System.out;
        for (JsonNode n : plan.path("notes")) {
            out.println("note: " + n.asText());
        }
        if (plan.path("moves").isEmpty()) {
            out.println("nothing to move");
        }
        for (JsonNode m : plan.path("moves")) {
            out.println("move  " + m.asText());
        }
        for (JsonNode p : plan.path("power")) {
            out.println("power " + p.asText());
        }
        if (!plan.path("migrations").isEmpty()) {
            out.println("migrations started: " + String.join(", ", texts(plan.path("migrations")))
                    + " (ferry cluster migrations)");
        }
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "The cluster at a glance.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Override
        public Integer call() throws Exception {
            JsonNode s = m.client().get("/v1/status");
            m.print(s, () -> System.out.printf(Locale.ROOT, "hosts %d (on %d, standby %d, failed %d, maintenance %d); "
                    + "VMs %d; migrations running %d, queued %d; power %.0f W; energy %.4f kWh%n",
                    s.path("hosts").asInt(), s.path("hosts_on").asInt(), s.path("hosts_standby").asInt(),
                    s.path("hosts_failed").asInt(), s.path("hosts_maintenance").asInt(), s.path("vms").asInt(),
                    s.path("migrations_running").asInt(), s.path("migrations_queued").asInt(),
                    s.path("power_watts").asDouble(), s.path("energy_kwh").asDouble()));
            return 0;
        }
    }

    @Command(name = "hosts", mixinStandardHelpOptions = true, description = "The hosts, their load and power state.")
    static final class Hosts implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Override
        public Integer call() throws Exception {
            JsonNode a = m.client().get("/v1/hosts");
            m.print(a, () -> {
                System.out.printf("%-12s %-22s %-8s %-5s %9s %12s %4s%n", "HOST", "ADDRESS", "POWER", "MAINT",
                        "CPU USED", "MEM USED", "VMS");
                for (JsonNode h : a.path("hosts")) {
                    System.out.printf(Locale.ROOT, "%-12s %-22s %-8s %-5s %4.2f/%-4.0f %6d/%-5d %4d%n",
                            h.path("name").asText(), h.path("address").asText(), h.path("power").asText(),
                            h.path("maintenance").asBoolean() ? "yes" : "no", h.path("cpu_used").asDouble(),
                            h.path("cores").asDouble(), h.path("memory_used").asLong() >> 20,
                            h.path("memory_bytes").asLong() >> 20, h.path("vms").asInt());
                }
            });
            return 0;
        }
    }

    @Command(name = "vms", mixinStandardHelpOptions = true, description = "The VMs and where they run.")
    static final class Vms implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Override
        public Integer call() throws Exception {
            JsonNode a = m.client().get("/v1/vms");
            m.print(a, () -> {
                System.out.printf("%-16s %-12s %-11s %8s %6s %s%n", "VM", "HOST", "STATE", "RAM MiB", "CPU", "MIGRATION");
                for (JsonNode v : a.path("vms")) {
                    System.out.printf(Locale.ROOT, "%-16s %-12s %-11s %8d %6.2f %s%n", v.path("name").asText(),
                            v.path("host").asText(), v.path("state").asText(), v.path("ram_bytes").asLong() >> 20,
                            v.path("cpu_busy").asDouble(), v.path("migration").asText("-"));
                }
            });
            return 0;
        }
    }

    @Command(name = "migrations", mixinStandardHelpOptions = true, description = "Migrations the manager ran.")
    static final class Migrations implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Override
        public Integer call() throws Exception {
            JsonNode a = m.client().get("/v1/migrations");
            m.print(a, () -> {
                System.out.printf("%-5s %-16s %-10s %-10s %-8s %10s %10s  %s%n", "ID", "VM", "FROM", "TO", "STATE",
                        "DOWNTIME", "TOTAL", "REASON");
                for (JsonNode x : a.path("migrations")) {
                    System.out.printf(Locale.ROOT, "%-5s %-16s %-10s %-10s %-8s %10s %10s  %s%n",
                            x.path("id").asText(), x.path("vm").asText(), x.path("from").asText(),
                            x.path("to").asText(), x.path("state").asText(), ms(x.path("downtime_ms")),
                            ms(x.path("total_time_ms")), x.path("error").isMissingNode() || x.path("error").isNull()
                                    ? x.path("reason").asText() : x.path("error").asText());
                }
            });
            return 0;
        }

        private static String ms(JsonNode n) {
            return n.isNumber() ? String.format(Locale.ROOT, "%.1f ms", n.asDouble()) : "-";
        }
    }

    /** A subcommand that has the manager start a policy's plan and prints it. */
    abstract static class PlanCommand implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        /** The manager's route that starts the plan. */
        abstract String path();

        @Override
        public Integer call() throws Exception {
            JsonNode plan = m.client().post(path(), null);
            m.print(plan, () -> printPlan(plan));
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = "Put a host in maintenance and move all its VMs away, live.")
    static final class Drain extends PlanCommand {
        @Parameters(paramLabel = "HOST", description = "The host to drain.")
        String host;

        @Override
        String path() {
            return "/v1/hosts/" + host + "/drain";
        }
    }

    @Command(name = "undrain", mixinStandardHelpOptions = true, description = "Take a host out of maintenance.")
    static final class Undrain implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Parameters(paramLabel = "HOST", description = "The host.")
        String host;

        @Override
        public Integer call() throws Exception {
            JsonNode a = m.client().post("/v1/hosts/" + host + "/undrain", null);
            m.print(a, () -> System.out.println("host " + host + " takes VMs again"));
            return 0;
        }
    }

    @Command(name = "consolidate", mixinStandardHelpOptions = true,
            description = "Pack the VMs on fewer hosts and put the emptied hosts in standby.")
    static final class Consolidate extends PlanCommand {
        @Override
        String path() {
            return "/v1/consolidate";
        }
    }

    @Command(name = "balance", mixinStandardHelpOptions = true,
            description = "Move a VM off each host that has been overloaded for the balancing window.")
    static final class Balance extends PlanCommand {
        @Override
        String path() {
            return "/v1/balance";
        }
    }

    @Command(name = "remap", mixinStandardHelpOptions = true,
            description = "Move VMs that talk to each other a lot onto one host.")
    static final class Remap extends PlanCommand {
        @Override
        String path() {
            return "/v1/remap";
        }
    }

    @Command(name = "vm", mixinStandardHelpOptions = true, description = "Create a VM on a host the placement "
            + "policy chooses: ferry cluster vm create --name N --image I|--template T [--mem M] [ARGS].",
            subcommands = VmCreateCommand.class)
    static final class VmCreate implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new UserError("ferry cluster vm: give a subcommand (create)");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a VM where the placement policy "
            + "says.")
    static final class VmCreateCommand implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The VM's name.")
        String name;

        @Option(names = "--image", paramLabel = "IMAGE", description = "A built-in image or a file in the hosts' "
                + "image directory.")
        String image;

        @Option(names = "--template", paramLabel = "TEMPLATE", description = "A template the hosts share.")
        String template;

        @Option(names = "--mem", paramLabel = "SIZE", description = "RAM (default: the image's).")
        String mem;

        @Option(names = "--ip", paramLabel = "ADDR/PREFIX", description = "The VM's address (Linux guests).")
        String ip;

        @Parameters(paramLabel = "ARGS", arity = "0..*", description = "Boot arguments.")
        List<String> args;

        @Override
        public Integer call() throws Exception {
            if ((image == null) == (template == null)) {
                throw new UserError("give --image or --template");
            }
            CreateVmRequest req = new CreateVmRequest(name, image, mem, null, null, args, null, null, null, null, null,
                    null, null, ip, null, template, null);
            JsonNode a = m.client().post("/v1/vms", req);
            m.print(a, () -> System.out.println("VM " + name + " runs on " + a.path("host").asText()));
            return 0;
        }
    }

    @Command(name = "dashboard", mixinStandardHelpOptions = true, description = "Print the address of the manager's "
            + "web dashboard, with the API token after #token= (whoever has the address has the token).")
    static final class Dashboard implements Callable<Integer> {
        @Mixin
        ManagerOption m;

        @Override
        public Integer call() throws Exception {
            InetSocketAddress address;
            try {
                address = HostAddress.parse(m.manager);
            } catch (IllegalArgumentException e) {
                throw new UserError("--manager: " + e.getMessage());
            }
            Path file = m.tokenFile != null ? m.tokenFile : ApiToken.defaultFile();
            ApiToken token;
            try {
                token = ApiToken.read(file);
            } catch (NoSuchFileException e) {
                throw new UserError(file + " does not exist: the dashboard needs the cluster's API token (give "
                        + "--token-file, or run this as the user who runs the manager)");
            } catch (IOException e) {
                throw new UserError("cannot read the API token: " + e.getMessage());
            }
            m.client().get("/v1/status");
            System.out.println(DashboardLink.of(address, token));
            return 0;
        }
    }
}
