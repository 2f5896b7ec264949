package dev.ferry.migration.endpoint;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts the connections that have not authenticated yet, in all and per IP address, and refuses one more beyond
 * either limit. Thread-safe.
 */
public final class ConnectionGate {

    private final int max;
    private final int maxPerAddress;
    private final Map<InetAddress, Integer> byAddress = new HashMap<>();
    private int open;

    /** At most {@code max} connections, {@code maxPerAddress} of them from one address. */
    public ConnectionGate(int max, int maxPerAddress) {
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /** Lets a connection from {@code peer} in (and counts it), or says why not. */
    public synchronized Rejection enter(InetAddress peer) {
        if (open >= max) {
            return Rejection.OVER_CAP;
        }
        int n = byAddress.getOrDefault(peer, 0);
        if (n >= maxPerAddress) {
            return Rejection.OVER_CAP_ADDRESS;
        }
        byAddress.put(peer, n + 1);
        open++;
        return null;
    }

    /** A connection let in by {@link #enter} authenticated or ended. */
    public synchronized void leave(InetAddress peer) {
        Integer n = byAddress.get(peer);
        if (n == null) {
            return;
        }
        if (n <= 1) {
            byAddress.remove(peer);
        } else {
            byAddress.put(peer, n - 1);
        }
        open--;
    }

    /** Connections let in that have not left. */
    public synchronized int open() {
        return open;
    }
}
