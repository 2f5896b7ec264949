/**
 * Ends of switch ports: a VM's interface as a machine {@code NetBackend} (and the {@code switch:MAC} back-end
 * factory that opens one), and uplinks over TAP devices into the host network.
 */
package dev.ferry.net.port;
