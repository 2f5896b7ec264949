package dev.ferry.host;

import dev.ferry.host.api.ControlSettings;
import dev.ferry.host.api.HostAddress;
import dev.ferry.host.auth.ApiToken;
import dev.ferry.host.migration.OutgoingMigrations;
import dev.ferry.host.network.NetworkSettings;
import dev.ferry.host.storage.StorageDirs;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.migration.EncryptionPolicy;
import dev.ferry.migration.ReceiverLimits;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to run a {@link FerryHost}.
 *
 * @param name            the host's name (shown by {@code GET /v1/host} and in logs)
 * @param listen          control API address (port 0: any free port); not loopback only with TLS
 * @param migrationListen migration endpoint, or {@code null}: the control API's IP with a port the OS picks
 * @param secret          the shared secret hosts authenticate each other with
 * @param images          the host's image directory: the only images it boots besides uploaded ones
 * @param log             receives one line per event
 * @param control         the control API's token, TLS and limits
 * @param encryption      whether migration connections, in and out, are encrypted
 * @param receiverLimits  what peers of the migration endpoint may cost (handshake caps and deadline, incoming
 *                        migrations at once)
 * @param maxOutgoing     migrations this host runs at once; more wait in a queue
 * @param network         the virtual switch's links to other hosts and uplinks
 * @param storage         where the host writes disks and keeps templates, or {@code null}: fresh directories under
 *                        a private temporary directory
 */
public record HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
        GuestImages images, Consumer<String> log, ControlSettings control, EncryptionPolicy encryption,
        ReceiverLimits receiverLimits, int maxOutgoing, NetworkSettings network, StorageDirs storage) {

    /** Default of {@link #maxOutgoing}. */
    public static final int DEFAULT_MAX_OUTGOING = OutgoingMigrations.DEFAULT_MAX_RUNNING;

    /** Checks the required fields, that a control API off loopback has TLS, and the limits. */
    public HostConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(encryption, "encryption");
        Objects.requireNonNull(receiverLimits, "receiverLimits");
        Objects.requireNonNull(network, "network");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the host name must not be empty");
        }
        if (control.tls() == null && (listen.getAddress() == null || !listen.getAddress().isLoopbackAddress())) {
            throw new IllegalArgumentException("the control API would listen on " + HostAddress.format(listen)
                    + ", which is not a loopback address: remote access needs TLS (--tls-keystore FILE "
                    + "--tls-password-file FILE)");
        }
        if (maxOutgoing < 1 || maxOutgoing > 10_000) {
            throw new IllegalArgumentException("--max-outgoing must be between 1 and 10000");
        }
    }

    /**
     * A host with the default encryption and limits whose control API takes a fresh random token that only this
     * process knows ({@link #control()}).
     */
    public HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
            GuestImages images, Consumer<String> log) {
        this(name, listen, migrationListen, secret, images, log, ControlSettings.of(ApiToken.random()));
    }

    /** A host with the default encryption and migration limits. */
    public HostConfig(String name, InetSocketAddress listen, InetSocketAddress migrationListen, byte[] secret,
            GuestImages images, Consumer<String> log, ControlSettings control) {
        this(name, listen, migrationListen, secret, images, log, control, EncryptionPolicy.DEFAULT,
                ReceiverLimits.defaults(), DEFAULT_MAX_OUTGOING, NetworkSettings.LOCAL, null);
    }

    /** This configuration with other control API settings. */
    public HostConfig withControl(ControlSettings settings) {
        return new HostConfig(name, listen, migrationListen, secret, images, log, settings, encryption,
                receiverLimits, maxOutgoing, network, storage);
    }

    /** This configuration with another encryption policy for migrations. */
    public HostConfig withEncryption(EncryptionPolicy policy) {
        return new HostConfig(name, listen, migrationListen, secret, images, log, control, policy, receiverLimits,
                maxOutgoing, network, storage);
    }

    /** This configuration with other migration limits. */
    public HostConfig withLimits(ReceiverLimits limits, int outgoing) {
        return new HostConfig(name, listen, migrationListen, secret, images, log, control, encryption, limits,
                outgoing, network, storage);
    }

    /** This configuration with other network links and uplinks. */
    public HostConfig withNetwork(NetworkSettings settings) {
        return new HostConfig(name, listen, migrationListen, secret, images, log, control, encryption,
                receiverLimits, maxOutgoing, settings, storage);
    }

    /** This configuration with other storage directories. */
    public HostConfig withStorage(StorageDirs dirs) {
        return new HostConfig(name, listen, migrationListen, secret, images, log, control, encryption,
                receiverLimits, maxOutgoing, network, dirs);
    }
}
