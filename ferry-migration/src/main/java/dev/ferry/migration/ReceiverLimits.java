package dev.ferry.migration;

/**
 * What a {@link MigrationReceiver} lets peers cost it. Before a peer has proven the shared secret it may hold at
 * most a handshake slot: {@code maxHandshakes} in all, {@code maxHandshakesPerAddress} from one IP address, each
 * for at most {@code handshakeTimeoutMillis}, with frames of at most 1 KiB. Authenticated sources may run
 * {@code maxIncoming} migrations into the host at once (until their switchover); more are told to wait their turn.
 *
 * @param maxHandshakes           unauthenticated connections at once, from anywhere
 * @param maxHandshakesPerAddress unauthenticated connections at once from one IP address
 * @param handshakeTimeoutMillis  time a connection has to complete the whole handshake
 * @param maxIncoming             migrations taken in at once (the rest wait in a queue)
 */
public record ReceiverLimits(int maxHandshakes, int maxHandshakesPerAddress, long handshakeTimeoutMillis,
        int maxIncoming) {

    /** Default of {@link #maxHandshakes}. */
    public static final int DEFAULT_MAX_HANDSHAKES = 128;
    /** Default of {@link #maxHandshakesPerAddress}. */
    public static final int DEFAULT_MAX_HANDSHAKES_PER_ADDRESS = 32;
    /** Default of {@link #handshakeTimeoutMillis}. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 5000;
    /** Default of {@link #maxIncoming}. */
    public static final int DEFAULT_MAX_INCOMING = 2;

    /** Checks the figures, naming the {@code ferry host} option in the message. */
    public ReceiverLimits {
        require(maxHandshakes >= 1 && maxHandshakes <= 100_000, "--max-handshakes must be between 1 and 100000");
        require(maxHandshakesPerAddress >= 1 && maxHandshakesPerAddress <= maxHandshakes,
                "--max-handshakes-per-address must be between 1 and --max-handshakes (" + maxHandshakes + ")");
        require(handshakeTimeoutMillis >= 100 && handshakeTimeoutMillis <= 600_000,
                "--handshake-timeout must be between 100 ms and 10 minutes");
        require(maxIncoming >= 1 && maxIncoming <= 10_000, "--max-incoming must be between 1 and 10000");
    }

    /** 128 handshakes, 32 per address, 5 s each, 2 incoming migrations. */
    public static ReceiverLimits defaults() {
        return new ReceiverLimits(DEFAULT_MAX_HANDSHAKES, DEFAULT_MAX_HANDSHAKES_PER_ADDRESS,
                DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, DEFAULT_MAX_INCOMING);
    }

    /** These limits with another {@link #maxIncoming}. */
    public ReceiverLimits withMaxIncoming(int n) {
        return new ReceiverLimits(maxHandshakes, maxHandshakesPerAddress, handshakeTimeoutMillis, n);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
