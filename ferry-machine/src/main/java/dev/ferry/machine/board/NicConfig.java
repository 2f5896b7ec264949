package dev.ferry.machine.board;

import java.util.Objects;

/**
 * A network interface attached to the machine as a virtio-net device.
 *
 * @param mac     the MAC address, six bytes written {@code 52:54:00:12:34:56}
 * @param backend where its frames go: {@code tap:NAME} for a TAP device, {@code switch} for a port of the host's
 *                virtual switch (the network layer provides it), or {@code none} (frames are dropped, as on a cable
 *                pulled out)
 */
public record NicConfig(String mac, String backend) {

    /** The back end of a NIC on the host's virtual switch. */
    public static final String SWITCH = "switch";

    /** Validates the fields. */
    public NicConfig {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(backend, "backend");
    }
}
