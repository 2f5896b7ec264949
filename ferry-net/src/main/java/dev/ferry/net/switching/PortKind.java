package dev.ferry.net.switching;

/** What a switch port connects to; it decides anti-spoofing, rate limiting and split horizon. */
public enum PortKind {
    /** One VM's network interface: frames must come from the VM's MAC and are rate limited. */
    VM,
    /** Another host's switch over VXLAN; frames from a link are never flooded to another link (full mesh). */
    LINK,
    /** A TAP device into the real host network. */
    UPLINK;

    /** The lower-case name used in JSON and metrics. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
