package dev.ferry.machine.board;

import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.device.net.NetBackendFactory;
import java.util.Objects;

/**
 * Where a machine's disks and network interfaces get their back ends: the layers above plug in here (the storage
 * layer's qcow2 and NBD disks, the network layer's switch ports) without the board knowing them.
 *
 * @param disks opens each drive's storage
 * @param nets  opens each interface's back end
 */
public record DeviceBackends(BlockBackendFactory disks, NetBackendFactory nets) {

    /** Raw disk files; TAP devices or none. */
    public static final DeviceBackends STANDARD = new DeviceBackends(BlockBackendFactory.STANDARD,
            NetBackendFactory.STANDARD);

    /** Validates the fields. */
    public DeviceBackends {
        Objects.requireNonNull(disks, "disks");
        Objects.requireNonNull(nets, "nets");
    }
}
