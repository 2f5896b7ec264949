package dev.ferry.net.announce;

import dev.ferry.net.frame.MacAddress;
import java.net.Inet4Address;

/**
 * One interface of a moved VM to announce: its MAC (a RARP each round) and, if known, its IPv4 address (then also
 * a gratuitous ARP each round).
 *
 * @param mac  the interface's MAC
 * @param ipv4 its IPv4 address, or null if unknown
 */
public record AnnounceTarget(MacAddress mac, Inet4Address ipv4) {

    /** Checks that the MAC is there. */
    public AnnounceTarget {
        java.util.Objects.requireNonNull(mac, "mac");
    }
}
