package dev.ferry.migration;

import dev.ferry.machine.board.DeviceBackends;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.VmRunner;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;

/** How a target host takes in a VM that migrates to it. Implemented by the host daemon. */
public interface IncomingVmHandler {

    /** False when the host cannot take a VM of this name (name in use); the migration is refused. */
    boolean canAccept(VmDescriptor vm);

    /**
     * As {@link #canAccept(VmDescriptor)} for a VM whose drives {@code copied} (indexes into its drive list) arrive
     * with it: the host creates those itself ({@link #createLocalDisk}) instead of opening the source's files.
     */
    default boolean canAccept(VmDescriptor vm, Set<Integer> copied) {
        return canAccept(vm);
    }

    /** Where the incoming VM's disks and network interfaces find their back ends on this host. */
    default DeviceBackends backends() {
        return DeviceBackends.STANDARD;
    }

    /**
     * Creates an empty disk of {@code size} bytes on this host for drive {@code index} ({@code source}, the drive on
     * the source host) of an arriving VM whose disk is copied in the migration stream, and returns the drive the
     * VM uses here. The host deletes it if the VM does not arrive ({@link #abandoned}).
     *
     * @throws IOException when the disk cannot be created; the migration is refused
     */
    default DriveConfig createLocalDisk(VmDescriptor vm, int index, DriveConfig source, long size)
            throws IOException {
        throw new IOException("this host does not take copied disks");
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
