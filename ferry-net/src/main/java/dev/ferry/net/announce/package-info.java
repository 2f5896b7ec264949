/**
 * Announcing a VM after it moved, as QEMU's {@code announce-self} does: the schedule of rounds (policy) and the
 * announcer that injects gratuitous ARP and RARP frames into the switch from the VM's port (mechanism).
 */
package dev.ferry.net.announce;
