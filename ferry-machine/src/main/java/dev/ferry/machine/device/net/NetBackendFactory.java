package dev.ferry.machine.device.net;

import java.io.IOException;

/**
 * Turns a network interface's back-end specification (as {@code NicConfig.backend()} spells it) into a
 * {@link NetBackend}. {@link #STANDARD} knows {@code none} and {@code tap:NAME}; the network layer wraps it to add
 * its switch ports.
 */
@FunctionalInterface
public interface NetBackendFactory {

    /** {@code none}: frames go nowhere; {@code tap:NAME}: the TAP interface NAME. */
    NetBackendFactory STANDARD = spec -> {
        if (spec.equals("none")) {
            return new NullNetBackend();
        }
        if (spec.startsWith("tap:")) {
            return TapBackend.open(spec.substring(4));
        }
        throw new IOException("network back end '" + spec + "' is not one of none, tap:NAME");
    };

    /**
     * Opens the back end {@code spec} names.
     *
     * @throws IOException with a one-line message if it is unknown or cannot be opened
     */
    NetBackend open(String spec) throws IOException;
}
