package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.memory.ProcessMemory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten clones of a running Linux VM resume where it was and run on their own: each takes the new identity the host
 * gives it (MAC, address, name), answers on its console and reaches another clone over the host's switch; what a
 * clone writes, neither the parent nor the other clones see; and the host process grows by far less than ten VM
 * sizes, because the clones share the parent's unchanged pages (Pss and Rss from {@code /proc/self/smaps_rollup}
 * printed before and after). Needs the built Linux guest; skipped otherwise.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class LinuxCloneTest {

    private static final int CLONES = 10;
    private static final long RAM = 128L << 20;
    private static final Duration WAIT = Duration.ofMinutes(4);
    /** Bytes of incompressible data the parent holds in a tmpfs file, so its RAM is mostly in use. */
    private static final long DATA = 48L << 20;

    @Test
    void tenClonesOfARunningLinuxVmRunApartAndShareItsMemory() throws Exception {
        assumeTrue(new GuestImages(GuestFixtures.home().resolve("guests/build")).linux().isPresent(),
                "the Linux guest is not built (guests/linux/build.sh)");
        assumeTrue(ProcessMemory.available(), "needs /proc/self/smaps_rollup");
        List<String> log = new CopyOnWriteArrayList<>();
        try (FerryHost host = TestHosts.start("C", log)) {
            Answer created = postJson(host, "/v1/vms", Map.of("name", "p", "image", "linux", "mem", "128M",
                    "ip", "10.77.0.10/24", "args", "console=ttyS0 quiet"));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            awaitConsole(host, "p", "ferry:/root #");
            type(host, "p", "echo from-the-parent > /tmp/parent; ferry-bytes " + DATA + " > /tmp/data; "
                    + "echo parent-$((20+3))");
            awaitConsole(host, "p", "parent-23");
            long parentUsed = get(host, "/v1/vms/p").json().path("memory_used_bytes").asLong();

            System.gc();
            ProcessMemory before = ProcessMemory.now();
            Answer cloned = postJson(host, "/v1/vms/p/clone", Map.of("count", CLONES));
            assertThat(cloned.status()).as(cloned.body()).isEqualTo(201);
            JsonNode r = cloned.json();
            double perClone = r.path("clones").findValues("create_ms").stream().mapToDouble(JsonNode::asDouble)
                    .average().orElseThrow();
            System.out.printf(Locale.ROOT, "clone: parent paused %.1f ms, %.1f MiB shared, %.1f ms per clone, "
                    + "%.1f ms for %d clones%n", r.path("pause_ms").asDouble(),
                    r.path("snapshot_bytes").asLong() / 1048576.0, perClone, r.path("total_ms").asDouble(), CLONES);

            log.stream().filter(l -> l.contains("cloned")).forEach(l -> System.out.println("host log: " + l));
            for (int i = 1; i <= CLONES; i++) {
                String name = "p-" + i;
                awaitConsole(host, name, "ferry-identity: generation 2 name " + name + " mac "
                        + r.path("clones").get(i - 1).path("mac").asText() + " ip 10.77.0." + (10 + i));
                type(host, name, "cat /tmp/parent; echo mine-" + i + " > /tmp/mine; echo answer-$((" + i
                        + "*1000+7)) $(cat /sys/class/net/eth0/address) $(hostname)");
                awaitConsole(host, name, "answer-" + (i * 1000 + 7) + " "
                        + r.path("clones").get(i - 1).path("mac").asText() + " " + name);
                assertThat(console(host, name)).contains("from-the-parent");
            }

            type(host, "p-1", "ping -c 2 -W 5 10.77.0.12 >/dev/null && echo ping-ok-$((1+1))");
            awaitConsole(host, "p-1", "ping-ok-2");
            type(host, "p-2", "cat /tmp/mine; echo seen-$((2+2))");
            awaitConsole(host, "p-2", "seen-4");
            assertThat(console(host, "p-2")).contains("mine-2").doesNotContain("mine-1");
            type(host, "p", "cat /tmp/mine || echo none-$((4+4))");
            awaitConsole(host, "p", "none-8");

            System.gc();
            ProcessMemory grown = ProcessMemory.now().minus(before);
            long cloneUsed = 0;
            for (int i = 1; i <= CLONES; i++) {
                cloneUsed += get(host, "/v1/vms/p-" + i).json().path("memory_used_bytes").asLong();
            }
            System.out.printf(Locale.ROOT, "clone: %d clones of a %d MiB Linux VM with %.1f MiB of its RAM in use "
                    + "(%.1f MiB in use by the clones together, the pages they share counted in each): the host grew "
                    + "by %s (before: %s); %d full copies would hold %.1f MiB%n", CLONES, RAM >> 20,
                    parentUsed / 1048576.0, cloneUsed / 1048576.0, grown, before, CLONES,
                    CLONES * parentUsed / 1048576.0);
            assertThat(grown.pssBytes()).as("Pss growth below three VM sizes").isLessThan(3 * RAM);
        }
    }

    private static void type(FerryHost host, String vm, String line) {
        Answer a = post(host, "/v1/vms/" + vm + "/console", line + "\n");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
    }

    private static String console(FerryHost host, String vm) {
        return get(host, "/v1/vms/" + vm + "/console").body();
    }

    private static void awaitConsole(FerryHost host, String vm, String text) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String out = "";
        while (System.nanoTime() < deadline) {
            out = console(host, vm);
            if (out.contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("VM " + vm + " never printed '" + text + "':\n" + out);
    }
}
