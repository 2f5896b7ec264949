package dev.ferry.host.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.host.network.HostNetwork;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.host.vm.HostedVm;
import dev.ferry.host.vm.VmRegistry;
import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.VmDescriptor;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IncomingVmsTest {

    private final VmRegistry registry = new VmRegistry();
    private final List<String> log = new CopyOnWriteArrayList<>();
    @TempDir
    static Path images;
    private HostNetwork network;
    private IncomingVms incoming;

    @BeforeEach
    void open() throws Exception {
        network = HostNetwork.open(NetworkSettings.LOCAL, "t");
        incoming = new IncomingVms(registry, new GuestImages(images), network,
                new DeviceBackends(BlockBackendFactory.STANDARD, network.nets()), images, vm -> null, log::add);
    }

    @AfterEach
    void close() {
        network.close();
    }

    @Test
    void aDiskOutsideThisHostsImageDirectoryIsRefused(@TempDir Path elsewhere) throws Exception {
        Path inside = Files.write(images.resolve("disk.img"), new byte[512]);
        Path outside = Files.write(elsewhere.resolve("secret.img"), new byte[512]);
        VmDescriptor base = new VmDescriptor("d1", 32L << 20, true, 1000);
        VmDescriptor bad = new VmDescriptor("d1", base.ramSize(), true, 1000, false, "linux", "",
                List.of(new DriveConfig(outside, "raw", false)), List.of(), false, true);
        assertThat(incoming.canAccept(bad)).isFalse();
        assertThat(log).anyMatch(l -> l.contains("refused incoming VM d1") && l.contains("image directory"));
        assertThat(registry.reserve("d1")).as("nothing reserved for a refused VM").isTrue();
        registry.release("d1");
        VmDescriptor good = new VmDescriptor("d1", base.ramSize(), true, 1000, false, "linux", "",
                List.of(new DriveConfig(inside.toRealPath(), "raw", false)), List.of(), false, true);
        assertThat(incoming.canAccept(good)).isTrue();
    }

    @Test
    void reservesTheNameUntilTheVmArrivesWithItsConsole() throws Exception {
        VmDescriptor d = new VmDescriptor("vm1", 32L << 20, true, 1000);
        assertThat(incoming.canAccept(d)).isTrue();
        assertThat(incoming.canAccept(d)).isFalse();
        assertThat(registry.reserve("vm1")).as("name reserved for the incoming VM").isFalse();
        OutputStream console = incoming.consoleFor(d);
        console.write("before ".getBytes(StandardCharsets.US_ASCII));

        VmRunner runner = new VmRunner(GuestFixtures.boot("hello", "", 32L << 20, true, console), "vm1", 1000);
        incoming.arrived(d, runner);
        HostedVm vm = registry.get("vm1").orElseThrow();
        assertThat(vm.runner()).isSameAs(runner);
        assertThat(new String(vm.console().contents(), StandardCharsets.US_ASCII)).startsWith("before ");
        assertThat(log).anyMatch(l -> l.contains("VM vm1 arrived"));
        runner.close();
    }

    @Test
    void anArrivingVmKeepsItsImageAndStartsWithTheConsoleHistoryOfItsSource() throws Exception {
        VmDescriptor d = new VmDescriptor("vm3", 32L << 20, true, 1000, false, "hello", "a=1");
        assertThat(incoming.canAccept(d)).isTrue();
        OutputStream console = incoming.consoleFor(d);
        incoming.consoleHistory(d, new ConsoleHistory(5000, "earlier output\n".getBytes(StandardCharsets.US_ASCII)));
        VmRunner runner = new VmRunner(GuestFixtures.boot("hello", "", 32L << 20, true, console), "vm3", 1000);
        incoming.arrived(d, runner);
        HostedVm vm = registry.get("vm3").orElseThrow();
        assertThat(vm.image()).isEqualTo("hello");
        assertThat(vm.console().end()).isEqualTo(5000);
        assertThat(new String(vm.console().contents(), StandardCharsets.US_ASCII)).isEqualTo("earlier output\n");
        runner.close();
    }

    @Test
    void refusesANameInUseAndReleasesAnAbandonedOne() {
        assertThat(registry.reserve("taken")).isTrue();
        assertThat(incoming.canAccept(new VmDescriptor("taken", 32L << 20, false, Long.MAX_VALUE))).isFalse();

        VmDescriptor d = new VmDescriptor("vm2", 32L << 20, false, Long.MAX_VALUE);
        assertThat(incoming.canAccept(d)).isTrue();
        incoming.abandoned(d, "source cancelled");
        assertThat(log).anyMatch(l -> l.contains("did not arrive: source cancelled"));
        assertThat(registry.reserve("vm2")).isTrue();
    }
}
