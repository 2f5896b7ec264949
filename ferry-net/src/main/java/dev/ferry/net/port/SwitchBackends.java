package dev.ferry.net.port;

import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.RateLimit;
import java.io.IOException;

/**
 * Adds the switch to the machine's network back ends: the spec {@code switch:MAC} opens a {@link VmPortBackend}
 * (a VM port whose allowed source address is MAC, named like the spec); every other spec ({@code none},
 * {@code tap:NAME}) goes to the fallback factory.
 */
public final class SwitchBackends {

    /** The prefix of the specs this factory handles. */
    public static final String PREFIX = "switch:";

    private SwitchBackends() {
    }

    /** A factory that opens VM ports of {@code sw} with the default rate limit. */
    public static NetBackendFactory factory(LearningSwitch sw, NetBackendFactory fallback) {
        return factory(sw, fallback, RateLimit.DEFAULT);
    }

    /** A factory that opens VM ports of {@code sw} limited to {@code limit}. */
    public static NetBackendFactory factory(LearningSwitch sw, NetBackendFactory fallback, RateLimit limit) {
        return spec -> {
            if (!spec.startsWith(PREFIX)) {
                return fallback.open(spec);
            }
            MacAddress mac;
            try {
                mac = MacAddress.parse(spec.substring(PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new IOException("network back end '" + spec + "': " + e.getMessage());
            }
            if (!mac.isUnicast()) {
                throw new IOException("network back end '" + spec + "': a VM's MAC must be unicast");
            }
            return VmPortBackend.open(sw, spec, mac, limit);
        };
    }
}
