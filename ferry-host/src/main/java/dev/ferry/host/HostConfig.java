package dev.ferry.host;

import dev.ferry.host.migration.OutgoingMigrations;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.ReceiverLimits;
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
 * @param receiverLimits  what peers of the migration endpoint may cost (handshake caps and deadline, incoming
 *                        migrations at once)
 * @param maxOutgoing     migrations this host runs at once; more wait in a queue
 */
public record HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
        GuestImages images, Consumer<String> log, ReceiverLimits receiverLimits, int maxOutgoing) {

    /** Default of {@link #maxOutgoing}. */
    public static final int DEFAULT_MAX_OUTGOING = OutgoingMigrations.DEFAULT_MAX_RUNNING;

    /** Checks the required fields. */
    public HostConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(receiverLimits, "receiverLimits");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the host name must not be empty");
        }
        if (maxOutgoing < 1 || maxOutgoing > 10_000) {
            throw new IllegalArgumentException("--max-outgoing must be between 1 and 10000");
        }
    }

    /** A host with the default limits. */
    public HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
            GuestImages images, Consumer<String> log) {
        this(name, listen, migrationListen, secret, images, log, ReceiverLimits.defaults(), DEFAULT_MAX_OUTGOING);
    }
}
