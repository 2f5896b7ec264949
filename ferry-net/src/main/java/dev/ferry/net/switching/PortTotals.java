package dev.ferry.net.switching;

/**
 * A port's counters at one moment. "rx" is what the switch received from the port (accepted frames only), "tx"
 * what it delivered to the port.
 *
 * @param rxFrames    frames accepted from the port
 * @param rxBytes     their bytes
 * @param txFrames    frames delivered to the port
 * @param txBytes     their bytes
 * @param spoofed     frames from the port with another source MAC than the VM's
 * @param rateLimited frames from the port over its rate limit
 * @param malformed   malformed frames from the port
 * @param noRoute     frames the port could not take
 */
public record PortTotals(long rxFrames, long rxBytes, long txFrames, long txBytes, long spoofed, long rateLimited,
                         long malformed, long noRoute) {

    /** The drops for {@code reason}. */
    public long dropped(DropReason reason) {
        return switch (reason) {
            case SPOOFED -> spoofed;
            case RATE_LIMITED -> rateLimited;
            case MALFORMED -> malformed;
            case NO_ROUTE -> noRoute;
        };
    }
}
