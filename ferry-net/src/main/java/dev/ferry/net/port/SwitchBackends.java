package dev.ferry.net.port;

import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.RateLimit;
import java.io.IOException;

/**
 * Adds the switch to the machine's network back ends: the spec {@code switch} opens a {@link VmPortBackend}
 * (a VM port whose only allowed source address is the NIC's MAC, named {@code switch:MAC}); every other spec
 * ({@code none}, {@code tap:NAME}) goes to the fallback factory.
 */
public final class SwitchBackends {

    /** The spec this factory handles. */
    public static final String SPEC = "switch";

    private SwitchBackends() {
    }

    /** A factory that opens VM ports of {@code sw} with the default rate limit. */
    public static NetBackendFactory factory(LearningSwitch sw, NetBackendFactory fallback) {
        return factory(sw, fallback, RateLimit.DEFAULT);
    }

    /** A factory that opens VM ports of {@code sw} limited to {@code limit}. */
    public static NetBackendFactory factory(LearningSwitch sw, NetBackendFactory fallback, RateLimit limit) {
        return (spec, macText) -> {
            if (!spec.equals(SPEC)) {
                return fallback.open(spec, macText);
            }
            MacAddress mac;
            try {
                mac = MacAddress.parse(macText);
            } catch (IllegalArgumentException e) {
                throw new IOException("network back end '" + spec + "': " + e.getMessage());
            }
            if (!mac.isUnicast()) {
                throw new IOException("network back end '" + spec + "': a VM's MAC must be unicast");
            }
            return VmPortBackend.open(sw, SPEC + ":" + mac, mac, limit);
        };
    }
}
