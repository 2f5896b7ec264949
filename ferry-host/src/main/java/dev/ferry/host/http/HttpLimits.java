package dev.ferry.host.http;

import java.time.Duration;

/**
 * What an {@link HttpEndpoint} allows a client, so that slow, idle or oversized requests cannot hold its
 * sockets, threads or memory.
 *
 * @param headTimeout     from accepting a connection until its request line and headers are in (the TLS
 *                        handshake included)
 * @param minBodyRate     bytes per second a request body must arrive at, at least: the body must be in within
 *                        {@code headTimeout} plus its length at this rate
 * @param responseTimeout from the start of an answer until the client has taken all of it
 * @param maxHeadBytes    longest request line and headers together
 * @param maxConnections  connections served at once; more are closed as soon as they are accepted
 * @param maxConnectionsPerAddress connections from one IP address served at once, so that one remote client
 *                        flooding the endpoint leaves room for the others; more are closed as soon as accepted
 */
public record HttpLimits(Duration headTimeout, long minBodyRate, Duration responseTimeout, int maxHeadBytes,
        int maxConnections, int maxConnectionsPerAddress) {

    /** The limits of a host unless told otherwise: 10 s, 1 MiB/s, 60 s, 16 KiB, 256 connections, 64 per address. */
    public static final HttpLimits DEFAULTS = new HttpLimits(Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(60),
            16 * 1024, 256, 64);

    /** Checks the values. */
    public HttpLimits {
        if (headTimeout.isNegative() || headTimeout.isZero() || responseTimeout.isNegative()
                || responseTimeout.isZero() || minBodyRate <= 0 || maxHeadBytes < 1024 || maxConnections < 1
                || maxConnectionsPerAddress < 1) {
            throw new IllegalArgumentException("HTTP limits must be positive (head at least 1 KiB): " + this);
        }
    }

    /** These limits with another {@code headTimeout}. */
    public HttpLimits withHeadTimeout(Duration timeout) {
        return new HttpLimits(timeout, minBodyRate, responseTimeout, maxHeadBytes, maxConnections,
                maxConnectionsPerAddress);
    }

    /** These limits with other caps on connections served at once, in all and from one address. */
    public HttpLimits withConnections(int total, int perAddress) {
        return new HttpLimits(headTimeout, minBodyRate, responseTimeout, maxHeadBytes, total, perAddress);
    }

    /** Nanoseconds a body of {@code length} bytes may take to arrive. */
    long bodyAllowanceNanos(long length) {
        long atRate = length / minBodyRate;
        return headTimeout.toNanos() + Math.min(atRate, Long.MAX_VALUE / 2_000_000_000L) * 1_000_000_000L;
    }
}
