package dev.ferry.net.switching;

/** Why the switch dropped a frame; each is counted per port. */
public enum DropReason {
    /** A VM port sent a frame whose source MAC is not the VM's (counted on that port). */
    SPOOFED("spoofed"),
    /** A VM port exceeded its rate limit (counted on that port). */
    RATE_LIMITED("rate_limited"),
    /** Shorter than an Ethernet header, longer than the largest frame, or from a group source address. */
    MALFORMED("malformed"),
    /** The output port could not take the frame: its queue was full or nothing was attached to it. */
    NO_ROUTE("no_route");

    private final String key;

    DropReason(String key) {
        this.key = key;
    }

    /** The name used in JSON and metrics. */
    public String key() {
        return key;
    }
}
