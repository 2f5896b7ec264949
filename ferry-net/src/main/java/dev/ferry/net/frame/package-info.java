/**
 * Ethernet frames as {@code byte[]} slices: MAC addresses as values, header accessors that check the length, and
 * the announcement frames (gratuitous ARP, RARP) a host sends for a VM that has just moved to it.
 */
package dev.ferry.net.frame;
