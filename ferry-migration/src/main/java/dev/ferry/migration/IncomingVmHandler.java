package dev.ferry.migration;

import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.VmRunner;
import java.io.OutputStream;

/** How a target host takes in a VM that migrates to it. Implemented by the host daemon. */
public interface IncomingVmHandler {

    /** False when the host cannot take a VM of this name (name in use); the migration is refused. */
    boolean canAccept(VmDescriptor vm);

    /** Where the incoming VM's disks and network interfaces find their back ends on this host. */
    default DeviceBackends backends() {
        return DeviceBackends.STANDARD;
    }

    /** Where the incoming VM's console output goes on this host. */
    OutputStream consoleFor(VmDescriptor vm);

    /**
     * The VM now runs here: after switchover for post-copy, after commit for pre-copy and stop-and-copy. The
     * runner is started; the host owns it from now on.
     */
    void arrived(VmDescriptor vm, VmRunner runner);

    /**
     * The VM's console output on the source before it left (protocol 3 on; the last {@link ConsoleHistory#MAX_BYTES}
     * of it), handed over before the VM runs here, so the host can show it ahead of what the VM prints here.
     */
    default void consoleHistory(VmDescriptor vm, ConsoleHistory history) {
    }

    /** A VM announced by {@link #consoleFor} never arrived (the migration failed before switchover). */
    default void abandoned(VmDescriptor vm, String reason) {
    }
}
