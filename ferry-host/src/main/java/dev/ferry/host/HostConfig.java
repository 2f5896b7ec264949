package dev.ferry.host;

import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.EncryptionPolicy;
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
 * @param encryption      whether migration connections, in and out, are encrypted
 */
public record HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
        GuestImages images, Consumer<String> log, EncryptionPolicy encryption) {

    /** A host with the default encryption policy (encrypted unless the peer is loopback). */
    public HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
            GuestImages images, Consumer<String> log) {
        this(name, listen, migrationListen, secret, images, log, EncryptionPolicy.DEFAULT);
    }

    /** Checks the required fields. */
    public HostConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(encryption, "encryption");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the host name must not be empty");
        }
    }
}
