package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitDone;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.migration.ReceiverLimits;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 7, defect 9: a host runs at most {@code --max-outgoing} migrations at once; the others are QUEUED (in the
 * API and the metrics), their VMs running untouched, start in their turn, and can be cancelled while they wait.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdmissionControlTest {

    private final List<String> logA = new CopyOnWriteArrayList<>();
    private final List<String> logB = new CopyOnWriteArrayList<>();
    private FerryHost a;
    private FerryHost b;

    private static FerryHost start(String name, List<String> log, int maxOutgoing, int maxIncoming)
            throws Exception {
        byte[] secret = new byte[32];
        secret[0] = 42;
        return FerryHost.start(new HostConfig(name, new InetSocketAddress("127.0.0.1", 0), null, secret,
                GuestFixtures.images(), log::add, ControlSettings.of(TestHosts.TOKEN))
                .withLimits(ReceiverLimits.defaults().withMaxIncoming(maxIncoming), maxOutgoing));
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private String to(FerryHost host) {
        return TestHosts.base(host).substring("http://".length());
    }

    private void createIdle(String name) {
        Answer created = postJson(a, "/v1/vms", Map.of("name", name, "image", "idle", "mem", "32M",
                "args", "touch=4M sleep=0"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private String migrate(String vm, Map<String, Object> extra) {
        Map<String, Object> body = new java.util.HashMap<>(extra);
        body.put("to", to(b));
        Answer started = postJson(a, "/v1/vms/" + vm + "/migrate", body);
        assertThat(started.status()).as(started.body()).isEqualTo(202);
        return started.json().path("id").asText();
    }

    /**
     * Six migrations started at once with room for two (each takes about 0.7 s: 4 MiB at 50 Mbit/s): at no time do
     * more than two run, the others are shown queued, and all complete. A migration in phase setup or precopy
     * certainly holds a slot (it frees it only once its VM runs on the target, which would take ten at once).
     */
    @Test
    void sixMigrationsRunAtMostTwoAtATimeAndAllComplete() throws Exception {
        a = start("A", logA, 2, 10);
        b = start("B", logB, 2, 10);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            createIdle("vm" + i);
        }
        for (int i = 0; i < 6; i++) {
            ids.add(migrate("vm" + i, Map.of("strategy", "precopy", "bandwidth", "50M")));
        }
        Set<String> seenQueued = new HashSet<>();
        int maxRunning = 0;
        boolean sawQueuedMetric = false;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            JsonNode list = get(a, "/v1/migrations").json().path("migrations");
            boolean allDone = true;
            int running = 0;
            for (JsonNode m : list) {
                allDone &= m.path("done").asBoolean();
                String phase = m.path("phase").asText();
                if ("queued".equals(phase)) {
                    seenQueued.add(m.path("id").asText());
                }
                running += "setup".equals(phase) || "precopy".equals(phase) ? 1 : 0;
            }
            maxRunning = Math.max(maxRunning, running);
            sawQueuedMetric |= get(a, "/metrics").body().matches("(?s).*\nferry_migrations_queued\\{host=\"A\"\\} "
                    + "[1-9].*");
            if (allDone) {
                break;
            }
            assertThat(System.nanoTime()).as("all migrations end").isLessThan(until);
            Thread.sleep(5);
        }
        for (String id : ids) {
            JsonNode done = awaitDone(a, id);
            assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("completed");
        }
        assertThat(seenQueued).as("migrations shown queued").isNotEmpty();
        assertThat(sawQueuedMetric).as("ferry_migrations_queued counted them").isTrue();
        assertThat(logA).anyMatch(l -> l.matches("migration A-\\d queued: VM vm\\d -> .*, number \\d in the queue "
                + "\\(2 run at once\\)"));
        assertThat(maxRunning).as("migrations in setup or pre-copy at once").isEqualTo(2);
        assertThat(b.vms().all()).hasSize(6);
        assertThat(get(a, "/metrics").body()).contains("ferry_migrations_queued{host=\"A\"} 0",
                "ferry_migrations_total{host=\"A\",outcome=\"completed\"} 6");
    }

    /** With room for one, a second migration waits; cancelling it ends it at once and its VM runs on untouched. */
    @Test
    void aQueuedMigrationCanBeCancelledAndItsVmNeverPauses() throws Exception {
        a = start("A", logA, 1, 2);
        b = start("B", logB, 2, 2);
        createIdle("slow");
        createIdle("waiting");
        String first = migrate("slow", Map.of("strategy", "precopy", "bandwidth", "5M", "zero_pages", false));
        String second = migrate("waiting", Map.of("strategy", "precopy"));
        JsonNode queued = get(a, "/v1/migrations/" + second).json();
        assertThat(queued.path("phase").asText()).as(queued.toString()).isEqualTo("queued");
        assertThat(get(a, "/v1/vms/waiting").json().path("state").asText()).isEqualTo("running");

        Answer cancelled = post(a, "/v1/migrations/" + second + "/cancel", "");
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
        JsonNode done = awaitDone(a, second);
        assertThat(done.path("phase").asText()).isEqualTo("cancelled");
        assertThat(done.path("report").path("outcome").asText()).isEqualTo("cancelled");
        assertThat(done.path("report").path("downtime_ms").asDouble()).isZero();
        JsonNode vm = get(a, "/v1/vms/waiting").json();
        assertThat(vm.path("state").asText()).isEqualTo("running");
        assertThat(vm.has("migration")).as("%s", vm).isFalse();
        assertThat(logA).anyMatch(l -> l.contains("migration " + second + " cancelled: VM waiting stays here"));

        JsonNode firstDone = awaitDone(a, first);
        assertThat(firstDone.path("phase").asText()).as(firstDone.toString()).isEqualTo("completed");
        assertThat(logA).noneMatch(l -> l.startsWith("migration " + second + " started"));
    }
}
