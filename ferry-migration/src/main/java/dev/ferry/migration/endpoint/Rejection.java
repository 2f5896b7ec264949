package dev.ferry.migration.endpoint;

import dev.ferry.migration.wire.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.util.Locale;

/**
 * Why the migration endpoint dropped a connection before it authenticated; {@link #label()} names it in logs and in
 * the {@code reason} label of the host's metrics.
 */
public enum Rejection {
    /** The endpoint holds as many unauthenticated connections as it allows. */
    OVER_CAP("too many unauthenticated connections"),
    /** The peer's address holds as many unauthenticated connections as one address may. */
    OVER_CAP_ADDRESS("too many unauthenticated connections from this address"),
    /** The handshake did not complete within the deadline. */
    TIMEOUT("handshake not completed in time"),
    /** The frame header announced more than an unauthenticated peer may send. */
    OVERSIZED_FRAME("oversized frame before authentication"),
    /** The peer does not know the shared secret. */
    AUTH("wrong shared secret"),
    /** No protocol version both sides speak. */
    VERSION("protocol version mismatch"),
    /** Bytes that are not a Ferry handshake: bad magic, checksum, frame type or HELLO. */
    GARBAGE("not a Ferry migration handshake"),
    /** The peer closed or reset the connection before the handshake completed. */
    HANGUP("closed by the peer during the handshake");

    private final String description;

    Rejection(String description) {
        this.description = description;
    }

    /** The name in logs and metrics: {@code over_cap}, {@code timeout}, {@code auth}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What it means, for a log line. */
    public String description() {
        return description;
    }

    /**
     * Why a handshake failed with {@code e} (thrown by {@code Handshake.asTarget} or the connection under it).
     *
     * @param timedOut the endpoint closed the connection at the handshake deadline
     */
    public static Rejection of(Exception e, boolean timedOut) {
        if (timedOut) {
            return TIMEOUT;
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("exceeds the limit")) {
            return OVERSIZED_FRAME;
        }
        if (m.contains("authentication")) {
            return AUTH;
        }
        if (m.contains("version mismatch")) {
            return VERSION;
        }
        if (e instanceof EOFException || m.contains("connection closed") || m.contains("gave up the handshake")) {
            return HANGUP;
        }
        if (e instanceof IOException && !(e instanceof ProtocolException)) {
            return HANGUP;
        }
        return GARBAGE;
    }
}
