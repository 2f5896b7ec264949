/**
 * Links between hosts' switches over VXLAN (RFC 7348): the header codec, peer addresses and the UDP endpoint that
 * turns each peer into a link port of the switch.
 */
package dev.ferry.net.vxlan;
