package dev.ferry.cluster.manager;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cluster.ManagerDaemon;
import dev.ferry.cluster.policy.LoadBalancing;
import dev.ferry.cluster.policy.MigrationTime;
import dev.ferry.cluster.policy.TaskRemapping;
import dev.ferry.host.network.HostNetwork;
import java.util.List;
import dev.ferry.host.membership.ClusterMembership;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The manager on real hosts: a drain evacuates a host live, consolidation packs the VMs on the fewest hosts and
 * puts the others in standby, and a host that stops reporting is declared failed and fenced when it returns.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterManagerTest {

    private static final long MIB = 1L << 20;

    /** VM name -> host, each VM exactly once. */
    private static Map<String, String> placement(JsonNode vms) {
        Map<String, String> m = new HashMap<>();
        for (JsonNode v : vms.path("vms")) {
            assertThat(m.put(v.path("name").asText(), v.path("host").asText())).as("VM listed once: " + vms).isNull();
        }
        return m;
    }

    private static JsonNode host(JsonNode hosts, String name) {
        for (JsonNode h : hosts.path("hosts")) {
            if (h.path("name").asText().equals(name)) {
                return h;
            }
        }
        throw new AssertionError("no host " + name + " in " + hosts);
    }

    @Test
    void drainEvacuatesEveryVmLiveAndTheHostTakesNoMore() throws Exception {
        try (TestCluster c = new TestCluster(3, 4, 512 * MIB)) {
            for (int i = 1; i <= 5; i++) {
                c.createOn("H1", "d" + i, i % 2 == 0 ? "munch" : "idle", "32M", i % 2 == 0 ? "wss=2M rate=2000"
                        : "touch=1M sleep=0");
            }
            c.awaitJson("/v1/vms", a -> a.path("vms").size() == 5, Duration.ofSeconds(20));
            JsonNode plan = c.post("/v1/hosts/H1/drain", null);
            assertThat(plan.path("migrations").size()).as(plan.toString()).isEqualTo(5);
            c.awaitIdle(Duration.ofMinutes(3));
            JsonNode migrations = c.get("/v1/migrations");
            for (JsonNode m : migrations.path("migrations")) {
                assertThat(m.path("state").asText()).as(m.toString()).isEqualTo("done");
                assertThat(m.path("downtime_ms").asDouble()).isPositive();
            }
            JsonNode vms = c.awaitJson("/v1/vms", a -> placement(a).size() == 5
                    && placement(a).values().stream().noneMatch("H1"::equals), Duration.ofSeconds(10));
            assertThat(placement(vms)).hasSize(5);
            for (JsonNode v : vms.path("vms")) {
                assertThat(v.path("state").asText()).isEqualTo("running");
            }
            assertThat(c.host("H1").vms().all()).isEmpty();
            assertThat(host(c.get("/v1/hosts"), "H1").path("maintenance").asBoolean()).isTrue();

            JsonNode placed = c.post("/v1/vms", Map.of("name", "new", "image", "idle", "mem", "32M"));
            assertThat(placed.path("host").asText()).as(placed.toString()).isNotEqualTo("H1").isNotEmpty();
            c.post("/v1/hosts/H1/undrain", null);
            assertThat(host(c.get("/v1/hosts"), "H1").path("maintenance").asBoolean()).isFalse();
        }
    }

    @Test
    void consolidationPacksTheVmsAndPutsTheFreedHostsInStandby() throws Exception {
        try (TestCluster c = new TestCluster(4, 4, 256 * MIB)) {
            int n = 0;
            for (int h = 1; h <= 4; h++) {
                for (int k = 0; k < 3; k++) {
                    n++;
                    c.createOn("H" + h, "v" + n, "idle", "32M", "touch=1M sleep=0");
                }
            }
            c.awaitJson("/v1/vms", a -> a.path("vms").size() == 12, Duration.ofSeconds(20));
            double before = c.get("/v1/status").path("power_watts").asDouble();
            JsonNode plan = c.post("/v1/consolidate", null);
            assertThat(plan.path("migrations").size()).as(plan.toString()).isPositive();
            c.awaitIdle(Duration.ofMinutes(3));
            JsonNode status = c.awaitJson("/v1/status", s -> s.path("hosts_standby").asInt() >= 2,
                    Duration.ofSeconds(10));
            Map<String, String> where = placement(c.get("/v1/vms"));
            assertThat(where).hasSize(12);
            assertThat(where.values().stream().distinct().count()).as("hosts with VMs: " + where)
                    .isEqualTo(2);
            assertThat(status.path("hosts_on").asInt()).isEqualTo(2);
            assertThat(status.path("power_watts").asDouble()).as("the cluster draws less").isLessThan(before);
            JsonNode placed = c.post("/v1/vms", Map.of("name", "extra", "image", "idle", "mem", "32M"));
            String host = placed.path("host").asText();
            assertThat(where.values()).as("a new VM goes to a host that is on").contains(host);
        }
    }

    @Test
    void loadBalancingMovesAVmOffAHostWhoseGuestsBurnCpu() throws Exception {
        ClusterPolicies d = ManagerDaemon.defaultPolicies();
        ClusterPolicies quick = new ClusterPolicies(d.placement(), d.consolidation(),
                new LoadBalancing(0.8, 1_500, MigrationTime.overLink(ManagerDaemon.LINK_BYTES_PER_SEC)),
                d.remapping(), d.drain());
        try (TestCluster c = new TestCluster(2, 1, 512 * MIB, quick)) {
            c.createOn("H1", "burn1", "munch", "32M", "wss=1M passes=0");
            c.createOn("H1", "burn2", "munch", "32M", "wss=1M passes=0");
            // What one of these guests gets of a core depends on the machine's load; size the hosts so that both
            // together overload one (above 80%) and either alone does not.
            JsonNode measured = c.awaitJson("/v1/vms", a -> a.path("vms").size() == 2
                    && a.path("vms").get(0).path("cpu_busy").asDouble() > 0.02, Duration.ofSeconds(20));
            Thread.sleep(1500);
            measured = c.get("/v1/vms");
            double busy = Math.max(measured.path("vms").get(0).path("cpu_busy").asDouble(),
                    measured.path("vms").get(1).path("cpu_busy").asDouble());
            c.rejoin(1, busy * 1.8, 512 * MIB);
            c.rejoin(2, busy * 1.8, 512 * MIB);
            JsonNode vms = c.awaitJson("/v1/vms", a -> {
                Map<String, String> w = placement(a);
                return w.size() == 2 && w.containsValue("H2");
            }, Duration.ofSeconds(60));
            assertThat(placement(vms).values()).containsExactlyInAnyOrder("H1", "H2");
            assertThat(c.log).anyMatch(l -> l.contains("load balancing: 1 move"));
        }
    }

    @Test
    void taskRemappingCoLocatesAChattyPairAndCutsInterHostTraffic() throws Exception {
        ClusterPolicies d = ManagerDaemon.defaultPolicies();
        ClusterPolicies chatty = new ClusterPolicies(d.placement(), d.consolidation(), d.balancing(),
                new TaskRemapping(5_000, 1.0, MigrationTime.overLink(ManagerDaemon.LINK_BYTES_PER_SEC)), d.drain());
        try (TestCluster c = new TestCluster(2, 4, 512 * MIB, chatty, true)) {
            String macA = HostNetwork.defaultMac("a");
            String macB = HostNetwork.defaultMac("b");
            c.createOn("H1", "a", "netflood", "32M", "mode=talk gap=1 dst=" + macB.replace(":", ""),
                    List.of("switch,mac=" + macA));
            c.createOn("H2", "b", "netflood", "32M", "mode=talk gap=1 dst=" + macA.replace(":", ""),
                    List.of("switch,mac=" + macB));
            c.createOn("H1", "quiet", "idle", "32M", "touch=1M sleep=0");
            c.awaitJson("/v1/vms", x -> x.path("vms").size() == 3, Duration.ofSeconds(20));
            Thread.sleep(2000);
            JsonNode plan = c.post("/v1/remap", null);
            assertThat(plan.path("moves").size()).as(plan.toString()).isEqualTo(1);
            assertThat(plan.path("notes").toString()).contains("inter-host traffic before");
            c.awaitIdle(Duration.ofMinutes(2));
            Map<String, String> where = placement(c.awaitJson("/v1/vms", x -> {
                Map<String, String> w = placement(x);
                return w.size() == 3 && w.get("a") != null && w.get("a").equals(w.get("b"));
            }, Duration.ofSeconds(10)));
            assertThat(where.get("a")).isEqualTo(where.get("b"));
            assertThat(where.get("quiet")).isEqualTo("H1");
        }
    }

    @Test
    void aVmOfAFailedHostResumesFromItsLastCheckpoint() throws Exception {
        try (TestCluster c = new TestCluster(2, 4, 256 * MIB)) {
            c.createOn("H2", "keep", "munch", "32M", "wss=2M rate=500 passes=0");
            c.awaitJson("/v1/vms", a -> a.path("vms").size() == 1, Duration.ofSeconds(20));
            c.manager.manager().checkpointEvery(1000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.manager.manager().checkpoint("keep").isEmpty()) {
                assertThat(System.nanoTime()).as("a checkpoint is made; log:\n" + String.join("\n", c.log))
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
            c.members.get(1).close();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.host("H1").vms().get("keep").isEmpty()) {
                assertThat(System.nanoTime()).as("the VM resumes on H1; log:\n" + String.join("\n", c.log))
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(c.log).anyMatch(l -> l.contains("VM keep of failed host H2 restarted on H1, resumed from checkpoint"));
            c.manager.manager().checkpointEvery(0);
            var resumed = c.host("H1").vms().get("keep").orElseThrow();
            Thread.sleep(1500);
            assertThat(resumed.runner().state().name()).isEqualTo("RUNNING");
            assertThat(resumed.runner().machine().instructions()).as("it goes on from the checkpoint, not from boot")
                    .isGreaterThan(1_000_000L);
        }
    }

    @Test
    void aHostThatStopsReportingIsDeclaredFailedItsVmsRestartElsewhereAndItIsFencedWhenItReturns() throws Exception {
        try (TestCluster c = new TestCluster(2, 4, 256 * MIB)) {
            c.createOn("H2", "lost", "idle", "32M", "touch=1M sleep=0");
            c.awaitJson("/v1/vms", a -> a.path("vms").size() == 1, Duration.ofSeconds(20));
            long t0 = System.nanoTime();
            c.members.get(1).close();
            c.awaitJson("/v1/status", s -> s.path("hosts_failed").asInt() == 1, Duration.ofSeconds(20));
            long deadline0 = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (c.host("H1").vms().get("lost").isEmpty()) {
                assertThat(System.nanoTime()).as("the VM restarts on H1; log:\n" + String.join("\n", c.log))
                        .isLessThan(deadline0);
                Thread.sleep(50);
            }
            System.out.printf("host failure: VM restarted elsewhere %.1f s after its host's last report%n",
                    (System.nanoTime() - t0) / 1e9);
            c.members.set(1, ClusterMembership.join(c.host("H2"), c.manager.address(),
                    TestCluster.TOKEN, 4, 256 * MIB, Duration.ofMillis(300)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!c.host("H2").vms().all().isEmpty()) {
                assertThat(System.nanoTime()).as("the fenced host discards its VM").isLessThan(deadline);
                Thread.sleep(100);
            }
            c.awaitJson("/v1/status", s -> s.path("hosts_failed").asInt() == 0 && s.path("hosts_on").asInt() == 2,
                    Duration.ofSeconds(10));
            Map<String, String> where = placement(c.awaitJson("/v1/vms", a -> placement(a).size() == 1
                    && "H1".equals(placement(a).get("lost")), Duration.ofSeconds(10)));
            assertThat(where).containsExactly(Map.entry("lost", "H1"));
        }
    }
}
