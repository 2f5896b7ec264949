package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.board.BootFiles;
import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.Firmware;
import dev.ferry.machine.image.KernelFile;
import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A VM booted the way a kernel is (boot ROM at {@code 0x1000}) and with an entropy device migrates to a current
 * target, which builds the same machine from BEGIN's description and reaches the state of a run that never
 * migrated; a target of protocol 3 cannot be told about those devices, so the migration is refused with one line
 * and the VM keeps running on the source.
 */
class MachineDescriptionTest {

    private static final Harness.Guest G = Harness.MUNCH;

    private static MachineConfig config() {
        return new MachineConfig(Harness.RAM, true, G.args(), new ByteArrayOutputStream()).withMrom(true);
    }

    /** munch booted through the kernel path without firmware: the hart starts at the ELF as before, ROM mapped. */
    private static VirtMachine boot() throws Exception {
        VirtMachine m = new VirtMachine(config());
        m.boot(new BootFiles(Firmware.of("none", Harness.RAM), KernelFile.read(
                GuestFixtures.images().resolve(G.image()), Harness.RAM), Optional.empty()));
        return m;
    }

    private static VmDescriptor descriptor() {
        return VmDescriptor.of("vm", config(), G.limit(), G.image());
    }

    private static MigrationReport migrate(VmRunner vm, Harness.Host target) throws Exception {
        return new MigrationSource("d1", vm, descriptor(), target.receiver.endpoint(), Harness.SECRET,
                Options.of(Strategy.PRECOPY).build()).start().get(120, TimeUnit.SECONDS);
    }

    @Test
    void theTargetBuildsTheMachineBeginDescribes() throws Exception {
        VirtMachine straight = boot();
        straight.run(G.limit());
        String reference = straight.stateHash();
        try (Harness.Host target = new Harness.Host(dev.ferry.migration.wire.Handshake.VERSION)) {
            VmRunner vm = new VmRunner(boot(), "vm", G.limit());
            vm.start();
            MigrationReport report = migrate(vm, target);
            assertThat(report.success()).as(report.error()).isTrue();
            vm.close();
            VmRunner arrived = target.awaitArrival();
            try {
                assertThat(target.descriptors).singleElement().isEqualTo(descriptor());
                assertThat(arrived.machine().config().mrom()).isTrue();
                assertThat(Harness.hashAtLimit(arrived)).isEqualTo(reference);
            } finally {
                arrived.close();
            }
        }
    }

    @Test
    void aVersion3TargetIsRefusedAndTheVmKeepsRunning() throws Exception {
        try (Harness.Host target = new Harness.Host(3)) {
            VmRunner vm = new VmRunner(boot(), "vm", G.limit());
            vm.start();
            try {
                MigrationReport report = migrate(vm, target);
                assertThat(report.success()).isFalse();
                assertThat(report.error()).contains("the target speaks migration protocol 3, which cannot describe "
                        + "this VM's disks, network interfaces, entropy device or boot ROM");
                assertThat(vm.state()).isIn(VmRunner.RunState.RUNNING, VmRunner.RunState.LIMIT_REACHED);
                assertThat(target.descriptors).isEmpty();
            } finally {
                vm.close();
            }
        }
    }
}
