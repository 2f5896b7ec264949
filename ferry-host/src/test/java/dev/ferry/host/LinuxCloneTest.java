package dev.ferry.host;

import static dev.ferry.host.TestHosts.get;
import static dev.ferry.host.TestHosts.post;
import static dev.ferry.host.TestHosts.postJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.host.TestHosts.Answer;
import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.RawFileBackend;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.memory.ProcessMemory;
import dev.ferry.storage.qcow2.Qcow2Backend;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
            ProcessMemory.Mapped clonesRam = ProcessMemory.mapped("ferry-ram");
            long cloneUsed = 0;
            for (int i = 1; i <= CLONES; i++) {
                cloneUsed += get(host, "/v1/vms/p-" + i).json().path("memory_used_bytes").asLong();
            }
            long snapshot = r.path("snapshot_bytes").asLong();
            long bound = grown.pssBytes() + snapshot;
            System.out.printf(Locale.ROOT, "clone: %d clones of a %d MiB Linux VM with %.1f MiB of its RAM in use "
                    + "(%.1f MiB in use by the clones together, the pages they share counted in each): the host grew "
                    + "by %s (before: %s); with the %.1f MiB snapshot counted whole (pages no clone has mapped are in "
                    + "no mapping's Pss) at most %.1f MiB; %d full copies would hold %.1f MiB%n", CLONES, RAM >> 20,
                    parentUsed / 1048576.0, cloneUsed / 1048576.0, grown, before, snapshot / 1048576.0,
                    bound / 1048576.0, CLONES, CLONES * parentUsed / 1048576.0);
            long guestCost = clonesRam.anonymousBytes() + snapshot;
            System.out.printf(Locale.ROOT, "clone: the clones' guest RAM: %s; with the whole snapshot: %.1f MiB%n",
                    clonesRam, guestCost / 1048576.0);
            assertThat(clonesRam.mappings()).as("a mapping per clone (or more, where one was split)")
                    .isGreaterThanOrEqualTo(CLONES);
            assertThat(bound).as("Pss growth plus the whole snapshot, below three VM sizes").isLessThan(3 * RAM);
            assertThat(guestCost).as("the clones' own pages plus the snapshot, below three VM sizes")
                    .isLessThan(3 * RAM);
            assertThat(clonesRam.rssBytes()).as("each clone maps the shared pages it reads")
                    .isGreaterThan(clonesRam.pssBytes());
        }
    }

    @Test
    void aClonesDiskWritesAreItsOwnAndTheBaseKeepsTheCloneInstant(@TempDir Path tmp) throws Exception {
        Path build = GuestFixtures.home().resolve("guests/build");
        assumeTrue(new GuestImages(build).linux().isPresent(), "the Linux guest is not built (guests/linux/build.sh)");
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.createSymbolicLink(images.resolve("linux"), build.resolve("linux"));
        Path base = images.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(base.toFile(), "rw")) {
            f.setLength(8L << 20);
            f.write("written-before".getBytes(StandardCharsets.US_ASCII));
        }
        Path disks = tmp.resolve("disks");
        byte[] secret = new byte[32];
        HostConfig config = new HostConfig("D", new InetSocketAddress("127.0.0.1", 0), null, secret,
                new GuestImages(images), line -> { }, ControlSettings.of(TestHosts.TOKEN))
                .withStorage(new StorageDirs(disks, tmp.resolve("templates")));
        Path parentOverlay;
        try (FerryHost host = FerryHost.start(config)) {
            Answer created = postJson(host, "/v1/vms", Map.of("name", "q", "image", "linux", "mem", "128M",
                    "args", "console=ttyS0 quiet", "drives", List.of("file=disk.img,format=raw")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            awaitConsole(host, "q", "ferry:/root #");
            type(host, "q", writeSector(2, "parent-wrote") + "; echo parent-$((1+2))");
            awaitConsole(host, "q", "parent-3");

            Answer cloned = postJson(host, "/v1/vms/q/clone", Map.of("count", 2));
            assertThat(cloned.status()).as(cloned.body()).isEqualTo(201);
            parentOverlay = Path.of(host.vms().get("q").orElseThrow().runner().machine().config().drives().getFirst()
                    .source());
            assertThat(parentOverlay.getParent()).isEqualTo(disks);

            for (int i = 1; i <= 2; i++) {
                String name = "q-" + i;
                awaitConsole(host, name, "ferry-identity: generation 2 name " + name);
                type(host, name, writeSector(1, "clone-" + i) + "; echo done-$((" + i + "+40))");
                awaitConsole(host, name, "done-" + (40 + i));
            }
            type(host, "q", writeSector(3, "parent-after") + "; echo parent-$((2+2))");
            awaitConsole(host, "q", "parent-4");
        }
        try (BlockBackend b = RawFileBackend.open(base, true)) {
            assertThat(sector(b, 0)).startsWith("written-before");
            assertThat(sector(b, 2)).as("the parent's write before the clone").startsWith("parent-wrote");
            assertThat(sector(b, 1)).as("no clone wrote the base").isBlank();
            assertThat(sector(b, 3)).as("the parent wrote its overlay after the clone").isBlank();
        }
        try (BlockBackend b = Qcow2Backend.open(parentOverlay, true)) {
            assertThat(sector(b, 3)).startsWith("parent-after");
            assertThat(sector(b, 2)).startsWith("parent-wrote");
            assertThat(sector(b, 1)).isBlank();
        }
        for (int i = 1; i <= 2; i++) {
            try (BlockBackend b = Qcow2Backend.open(disks.resolve("q-" + i + "-disk0.qcow2"), true)) {
                assertThat(sector(b, 1)).startsWith("clone-" + i);
                assertThat(sector(b, 2)).startsWith("parent-wrote");
                assertThat(sector(b, 3)).isBlank();
            }
        }
    }

    /** A shell command that writes {@code text} at the start of sector {@code n} of the disk and syncs. */
    private static String writeSector(int n, String text) {
        return "printf " + text + " | dd of=/dev/vda bs=512 seek=" + n + " conv=notrunc 2>/dev/null; sync";
    }

    private static String sector(BlockBackend disk, int n) throws Exception {
        byte[] b = new byte[512];
        disk.read(n * 512L, b, 0, 512);
        return new String(b, StandardCharsets.US_ASCII).replace('\0', ' ');
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
