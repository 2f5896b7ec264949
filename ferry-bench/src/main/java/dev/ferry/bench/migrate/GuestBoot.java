package dev.ferry.bench.migrate;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.board.VmRunner;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.ImageFormatException;
import java.util.concurrent.TimeoutException;

/** Boots a workload on a real-time Ferry VM and waits until the guest established its working set. */
final class GuestBoot {

    /** How long a guest may take to print its ready line. */
    static final long READY_MILLIS = 60_000;

    private GuestBoot() {
    }

    /**
     * Boots {@code image} with the workload's RAM and arguments, starts it, and returns once the guest printed
     * its ready line; the VM is closed again when it does not within {@link #READY_MILLIS}.
     */
    static VmRunner start(ElfImage image, Workload w, String name)
            throws ImageFormatException, TimeoutException, InterruptedException {
        ConsoleWatch console = new ConsoleWatch(w.ready());
        VirtMachine machine = new VirtMachine(new MachineConfig(w.ramBytes(), false, w.args(), console));
        machine.boot(image);
        VmRunner vm = new VmRunner(machine, name, Long.MAX_VALUE);
        boolean ready = false;
        try {
            vm.start();
            ready = console.await(READY_MILLIS);
        } finally {
            if (!ready) {
                vm.close();
                vm.machine().close();
            }
        }
        if (!ready) {
            throw new TimeoutException("guest did not print '" + w.ready().strip() + "' in " + READY_MILLIS / 1000
                    + " s");
        }
        return vm;
    }
}
