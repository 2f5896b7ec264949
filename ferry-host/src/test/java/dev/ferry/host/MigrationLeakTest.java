package dev.ferry.host;

import static dev.ferry.host.TestHosts.awaitDone;
import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.machine.board.VirtMachine;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host keeps nothing of a VM that migrated away except what status and reports need: the machines a VM
 * left behind on either host become unreachable.
 */
class MigrationLeakTest {

    private FerryHost a;
    private FerryHost b;

    @BeforeEach
    void start() throws Exception {
        a = TestHosts.start("A");
        b = TestHosts.start("B");
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    private static String to(FerryHost host) {
        return TestHosts.base(host).substring("http://".length());
    }

    private static WeakReference<VirtMachine> machineOf(FerryHost host, String vm) {
        return new WeakReference<>(host.vms().get(vm).orElseThrow().runner().machine());
    }

    @Test
    void machinesLeftBehindByMigrationsBecomeUnreachable() throws Exception {
        Answer created = postJson(a, "/v1/vms", Map.of("name", "vm1", "image", "munch", "mem", "16M",
                "args", "wss=1M passes=0"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        List<WeakReference<VirtMachine>> leftBehind = new ArrayList<>();
        String[] strategies = {"precopy", "postcopy", "stopcopy", "precopy", "postcopy", "precopy"};
        FerryHost from = a;
        FerryHost target = b;
        for (String strategy : strategies) {
            leftBehind.add(machineOf(from, "vm1"));
            Answer started = postJson(from, "/v1/vms/vm1/migrate", Map.of("to", to(target), "strategy", strategy));
            assertThat(started.status()).as(started.body()).isEqualTo(202);
            JsonNode done = awaitDone(from, started.json().path("id").asText());
            assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("completed");
            assertThat(target.vms().get("vm1")).isPresent();
            FerryHost t = from;
            from = target;
            target = t;
        }
        WeakReference<VirtMachine> current = machineOf(from, "vm1");

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long alive;
        do {
            System.gc();
            alive = leftBehind.stream().filter(r -> r.get() != null).count();
            if (alive > 0) {
                Thread.sleep(50);
            }
        } while (alive > 0 && System.nanoTime() < deadline);
        assertThat(alive).as("machines a migrated VM left behind that are still reachable").isZero();
        assertThat(current.get()).as("the running VM's machine").isNotNull();
        assertThat(get(a, "/v1/migrations").json().path("migrations")).hasSize(3);
    }
}
