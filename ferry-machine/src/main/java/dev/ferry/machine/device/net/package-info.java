/**
 * Where virtual network interfaces send and receive Ethernet frames: the
 * {@link dev.ferry.machine.device.net.NetBackend} interface, a TAP back end through Java's foreign function API,
 * an unplugged back end, and the factory the network layer extends with its switch ports.
 */
package dev.ferry.machine.device.net;
