package dev.ferry.machine.device.virtio;

/**
 * Saved receive filter of a {@link VirtioNet}: what the driver set through the control queue.
 *
 * @param mac           the current MAC address (the driver may change it), 6 bytes
 * @param rxMode        bits 0..5: promiscuous, all-multicast, all-unicast, no-multicast, no-unicast, no-broadcast
 * @param macTable      the MAC filter table, 6 bytes per entry, unicast entries first, at most 64 entries
 * @param firstMulti    index of the first multicast entry in {@code macTable}
 * @param uniOverflow   more unicast entries were set than the table holds: every unicast frame passes
 * @param multiOverflow more multicast entries were set than the table holds: every multicast frame passes
 * @param vlans         4096 VLAN filter bits, 128 words
 */
public record NetFilterState(byte[] mac, int rxMode, byte[] macTable, int firstMulti, boolean uniOverflow,
        boolean multiOverflow, int[] vlans) {
}
