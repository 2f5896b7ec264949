package dev.ferry.net.port;

import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.machine.device.net.TapBackend;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.SwitchPort;
import java.io.IOException;

/**
 * An uplink: a switch port joined to a device into the real host network, normally a TAP interface
 * ({@code tap:NAME}). Frames the device delivers enter the switch on the uplink port (any source address: an
 * uplink stands for many machines); frames the switch sends to the port are written to the device. Closing removes
 * the port and closes the device.
 */
public final class Uplink implements AutoCloseable {

    private final LearningSwitch sw;
    private final NetBackend device;
    private final SwitchPort port;

    private Uplink(LearningSwitch sw, String name, NetBackend device) {
        this.sw = sw;
        this.device = device;
        this.port = sw.addUplinkPort(name, (frame, off, len) -> {
            device.send(frame, off, len);
            return true;
        });
        device.attach((frame, off, len) -> sw.receive(port, frame, off, len));
    }

    /**
     * Opens TAP interface {@code tapName} (creating it if needed; root or {@code CAP_NET_ADMIN} only) and joins it
     * to {@code sw} as uplink {@code tap:NAME}.
     *
     * @throws IOException with a one-line message if the TAP interface cannot be opened
     */
    public static Uplink openTap(LearningSwitch sw, String tapName) throws IOException {
        return new Uplink(sw, "tap:" + tapName, TapBackend.open(tapName));
    }

    /** Joins an already opened {@code device} to {@code sw} as uplink {@code name}; the uplink then owns it. */
    public static Uplink over(LearningSwitch sw, String name, NetBackend device) {
        return new Uplink(sw, name, device);
    }

    /** The switch port. */
    public SwitchPort port() {
        return port;
    }

    @Override
    public void close() {
        device.detach();
        sw.remove(port);
        device.close();
    }
}
