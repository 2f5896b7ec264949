package dev.ferry.storage.nbd;

import java.time.Duration;

/**
 * How patient the NBD client is and what it asks for: the deadline for connecting plus the handshake, the deadline
 * of each request (sending it and receiving its whole reply), how long after a failed reconnect the next one may be
 * tried, and whether to ask the server for structured replies.
 *
 * @param connectTimeout   connect and handshake, together
 * @param requestTimeout   one request and its reply
 * @param reconnectBackoff wait after a failed reconnect before requests try again (they fail at once meanwhile)
 * @param structuredReplies ask for NBD_OPT_STRUCTURED_REPLY (reads then arrive in data and hole chunks)
 */
public record NbdOptions(Duration connectTimeout, Duration requestTimeout, Duration reconnectBackoff,
                         boolean structuredReplies) {

    /** 10 s to connect, 30 s per request, 1 s between reconnect attempts, simple replies. */
    public static final NbdOptions DEFAULT = new NbdOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(1), false);

    public NbdOptions {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero() || reconnectBackoff.isNegative()) {
            throw new IllegalArgumentException("NBD timeouts must be positive");
        }
    }

    /** These options with other connect and request deadlines. */
    public NbdOptions withTimeouts(Duration connect, Duration request) {
        return new NbdOptions(connect, request, reconnectBackoff, structuredReplies);
    }

    /** These options asking (or not) for structured replies. */
    public NbdOptions withStructuredReplies(boolean on) {
        return new NbdOptions(connectTimeout, requestTimeout, reconnectBackoff, on);
    }

    /** These options with another wait between failed reconnects. */
    public NbdOptions withReconnectBackoff(Duration backoff) {
        return new NbdOptions(connectTimeout, requestTimeout, backoff, structuredReplies);
    }
}
