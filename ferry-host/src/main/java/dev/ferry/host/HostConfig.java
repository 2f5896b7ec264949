package dev.ferry.host;

import dev.ferry.machine.image.GuestImages;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to run a {@link FerryHost}.
 *
 * @param name            the host's name (shown by {@code GET /v1/host} and in logs)
 * @param listen          control API address (port 0: any free port)
 * @param migrationListen migration endpoint, or {@code null}: the control API's IP with a port the OS picks
 * @param secret          the shared secret hosts authenticate each other with
 * @param images          where built-in images are found
 * @param log             receives one line per event
 */
public record HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
        GuestImages images, Consumer<String> log) {

    /** Checks the required fields. */
    public HostConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(log, "log");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the host name must not be empty");
        }
    }
}
