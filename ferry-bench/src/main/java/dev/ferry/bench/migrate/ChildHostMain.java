package dev.ferry.bench.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.bench.measure.GcPauseLog;
import dev.ferry.bench.measure.GcPauses;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.IncomingVmHandler;
import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.MigrationReceiver;
import dev.ferry.migration.MigrationWarmup;
import dev.ferry.migration.VmDescriptor;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A minimal Ferry host for benchmarks, run in its own JVM by {@link ChildHost}: a {@link MigrationReceiver} on
 * loopback that takes every VM, real-time VMs it boots on request, and a JFR record of its GC pauses.
 *
 * <p>Protocol: one JSON object per line. The host first writes {@code {"ok":true,"receiver":"127.0.0.1:PORT",
 * "pid":N}}, then answers each request on standard input in order with {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"..."}}. Requests ({@code cmd}):
 * <ul>
 *   <li>{@code boot} {@code name image args ram}: boot a workload here and wait until it established its
 *       working set;</li>
 *   <li>{@code migrate} {@code name to strategy maxDowntimeMs timeoutMs}: migrate a VM booted here to the
 *       receiver at {@code to} ({@code host:port}); answers {@code success error totalMs downtimeMs bytes from to}
 *       (epoch nanoseconds) and {@code gc}, this host's GC pauses during the migration;</li>
 *   <li>{@code outcome} {@code name timeoutMs}: wait until a VM migrating in arrived or was abandoned and answer
 *       {@code arrived reason}; an arrived VM is shut down;</li>
 *   <li>{@code gc} {@code from to} (epoch nanoseconds): {@code collections longestPauseMs totalPauseMs complete};</li>
 *   <li>{@code memory}: {@code heapUsed heapCommitted heapMax} in bytes;</li>
 *   <li>{@code quit}: shut every VM down and exit (also at the end of standard input).</li>
 * </ul>
 * Anything else the host would print goes to standard error.
 */
public final class ChildHostMain implements IncomingVmHandler {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GC_WAIT = Duration.ofSeconds(3);

    /** A VM migrating in: the runner once it arrived, or why it never did. */
    private record Arrival(VmRunner runner, String abandoned) { }

    private final Map<String, CompletableFuture<Arrival>> incoming = new ConcurrentHashMap<>();
    private final Map<String, VmRunner> booted = new ConcurrentHashMap<>();
    private final GcPauseLog gc = GcPauseLog.start();

    private ChildHostMain() {
    }

    /** Runs the host until {@code quit} or the end of standard input. */
    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(System.err);
        ChildHostMain host = new ChildHostMain();
        MigrationWarmup.run();
        try (MigrationReceiver receiver = new MigrationReceiver(new InetSocketAddress("127.0.0.1", 0),
                OutgoingMigration.SECRET, host)) {
            InetSocketAddress at = receiver.endpoint();
            protocol.println(JSON.createObjectNode().put("ok", true)
                    .put("receiver", at.getAddress().getHostAddress() + ":" + at.getPort())
                    .put("pid", ProcessHandle.current().pid()));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode request = JSON.readTree(line);
                if (request.path("cmd").asText().equals("quit")) {
                    protocol.println(JSON.createObjectNode().put("ok", true));
                    break;
                }
                protocol.println(host.answer(request));
            }
        } finally {
            host.shutdown();
        }
        System.exit(0);
    }

    private ObjectNode answer(JsonNode request) {
        try {
            return switch (request.path("cmd").asText()) {
                case "boot" -> boot(request);
                case "migrate" -> migrate(request);
                case "outcome" -> outcome(request);
                case "gc" -> gcReply(gc.during(ChildHost.instant(request.path("from").asLong()),
                        ChildHost.instant(request.path("to").asLong()), GC_WAIT));
                case "memory" -> memory();
                default -> throw new IllegalArgumentException("unknown request " + request.path("cmd"));
            };
        } catch (Exception e) {
            return JSON.createObjectNode().put("ok", false).put("error",
                    e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
    }

    private ObjectNode boot(JsonNode r) throws Exception {
        String name = r.path("name").asText();
        if (booted.containsKey(name)) {
            throw new IllegalArgumentException("a VM named " + name + " runs here already");
        }
        Workload w = Workload.of(r.path("image").asText(), r.path("args").asText(), r.path("ram").asLong());
        booted.put(name, GuestBoot.start(GuestImages.ofInstallation().load(w.image()), w, name));
        return ok();
    }

    private ObjectNode migrate(JsonNode r) throws Exception {
        String name = r.path("name").asText();
        VmRunner vm = booted.get(name);
        if (vm == null) {
            throw new IllegalArgumentException("no VM named " + name + " here");
        }
        String[] to = r.path("to").asText().split(":");
        MigrationOptions options = FerryOptions.defaults(CaseCatalog.strategy(r.path("strategy").asText()))
                .with("maxDowntimeMillis", r.path("maxDowntimeMs").asLong()).build();
        OutgoingMigration.Outcome o = OutgoingMigration.run(vm, vm.machine().config().ramSize(),
                new InetSocketAddress(to[0], Integer.parseInt(to[1])), options, EncryptionPolicy.DEFAULT,
                r.path("timeoutMs").asLong());
        if (o.success()) {
            booted.remove(name);
            vm.close();
            vm.machine().close();
        }
        ObjectNode reply = ok().put("success", o.success()).put("from", ChildHost.epochNanos(o.from()))
                .put("to", ChildHost.epochNanos(o.to()));
        if (o.error() != null) {
            reply.put("error", o.error());
        }
        if (o.report() != null) {
            reply.put("totalMs", o.report().totalTimeMs()).put("downtimeMs", o.report().downtimeMs())
                    .put("bytes", o.report().bytesOnWire());
        }
        reply.set("gc", gcReply(gc.during(o.from(), o.to(), GC_WAIT)));
        return reply;
    }

    private ObjectNode outcome(JsonNode r) throws Exception {
        String name = r.path("name").asText();
        CompletableFuture<Arrival> pending = arrival(name);
        Arrival a;
        try {
            a = pending.get(r.path("timeoutMs").asLong(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.thenAccept(late -> {
                incoming.remove(name, pending);
                if (late.runner() != null) {
                    late.runner().close();
                    late.runner().machine().close();
                }
            });
            return ok().put("arrived", false).put("reason", "nothing arrived in " + r.path("timeoutMs").asLong()
                    + " ms");
        }
        incoming.remove(name, pending);
        if (a.runner() == null) {
            return ok().put("arrived", false).put("reason", a.abandoned());
        }
        VmRunner.RunState state = a.runner().state();
        a.runner().close();
        a.runner().machine().close();
        return ok().put("arrived", true).put("state", state.toString());
    }

    private static ObjectNode gcReply(GcPauses p) {
        return ok().put("collections", p.collections()).put("longestPauseMs", p.longestPauseMs())
                .put("totalPauseMs", p.totalPauseMs()).put("complete", p.complete());
    }

    private static ObjectNode memory() {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return ok().put("heapUsed", heap.getUsed()).put("heapCommitted", heap.getCommitted())
                .put("heapMax", heap.getMax());
    }

    private static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    private CompletableFuture<Arrival> arrival(String name) {
        return incoming.computeIfAbsent(name, n -> new CompletableFuture<>());
    }

    @Override
    public boolean canAccept(VmDescriptor vm) {
        arrival(vm.name());
        return true;
    }

    @Override
    public OutputStream consoleFor(VmDescriptor vm) {
        return OutputStream.nullOutputStream();
    }

    @Override
    public void arrived(VmDescriptor vm, VmRunner runner) {
        if (!arrival(vm.name()).complete(new Arrival(runner, null))) {
            runner.close();
            runner.machine().close();
        }
    }

    @Override
    public void abandoned(VmDescriptor vm, String reason) {
        arrival(vm.name()).complete(new Arrival(null, reason));
    }

    private void shutdown() {
        booted.values().forEach(VmRunner::close);
        for (CompletableFuture<Arrival> a : incoming.values()) {
            a.thenAccept(arrived -> {
                if (arrived.runner() != null) {
                    arrived.runner().close();
                    arrived.runner().machine().close();
                }
            });
        }
        gc.close();
    }
}
