package dev.ferry.machine.device.net;

import java.io.IOException;

/**
 * Turns a network interface's back-end specification (as {@code NicConfig.backend()} spells it) into a
 * {@link NetBackend}. {@link #STANDARD} knows {@code none} and {@code tap:NAME}; the network layer wraps it to add
 * its switch ports.
 */
@FunctionalInterface
public interface NetBackendFactory {

    /** {@code none}: frames go nowhere; {@code tap:NAME}: the TAP interface NAME; no switch. */
    NetBackendFactory STANDARD = (spec, mac) -> {
        if (spec.equals("none")) {
            return new NullNetBackend();
        }
        if (spec.startsWith("tap:")) {
            return TapBackend.open(spec.substring(4));
        }
        if (spec.equals("switch")) {
            throw new IOException("network back end 'switch' needs a Ferry host's virtual switch (ferry host; "
                    + "a VM run on its own has none): use tap:NAME or none");
        }
        throw new IOException("network back end '" + spec + "' is not one of none, tap:NAME, switch");
    };

    /**
     * Opens the back end {@code spec} names for the interface with MAC address {@code mac} (written
     * {@code 52:54:00:12:34:56}; a switch port lets the guest send from that address only).
     *
     * @throws IOException with a one-line message if it is unknown or cannot be opened
     */
    NetBackend open(String spec, String mac) throws IOException;
}
