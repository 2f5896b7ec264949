package dev.ferry.net.frame;

import java.net.Inet4Address;

/**
 * The frames a moved VM is announced with, as QEMU's {@code announce-self} sends them: a RARP request (EtherType
 * 0x8035, opcode 3, sender and target hardware address the VM's MAC, protocol addresses zero) and, when the VM's
 * IPv4 address is known, a gratuitous ARP request (opcode 1, sender and target protocol address both the VM's
 * address). Both go to the broadcast address from the VM's MAC, padded with zeros to 60 bytes, so every switch on
 * the segment learns the VM's new port and every neighbour refreshes its ARP cache.
 */
public final class AnnounceFrames {

    /** ARP opcode of a request. */
    static final int OP_REQUEST = 1;
    /** RARP opcode of a reverse request. */
    static final int OP_REVERSE_REQUEST = 3;

    private AnnounceFrames() {
    }

    /** A gratuitous ARP request for {@code ip} from {@code mac}. */
    public static byte[] gratuitousArp(MacAddress mac, Inet4Address ip) {
        byte[] a = ip.getAddress();
        return arp(EthernetFrame.TYPE_ARP, OP_REQUEST, mac, a, MacAddress.ZERO, a);
    }

    /** A RARP reverse request from {@code mac}. */
    public static byte[] rarp(MacAddress mac) {
        byte[] none = new byte[4];
        return arp(EthernetFrame.TYPE_RARP, OP_REVERSE_REQUEST, mac, none, mac, none);
    }

    private static byte[] arp(int etherType, int op, MacAddress sender, byte[] senderIp, MacAddress target,
                              byte[] targetIp) {
        byte[] f = new byte[EthernetFrame.MIN_PADDED_LENGTH];
        EthernetFrame.writeHeader(f, 0, MacAddress.BROADCAST, sender, etherType);
        int p = EthernetFrame.HEADER_LENGTH;
        f[p + 1] = 1;               // hardware type: Ethernet
        f[p + 2] = 0x08;            // protocol type: IPv4
        f[p + 4] = 6;               // hardware address length
        f[p + 5] = 4;               // protocol address length
        f[p + 7] = (byte) op;
        sender.write(f, p + 8);
        System.arraycopy(senderIp, 0, f, p + 14, 4);
        target.write(f, p + 18);
        System.arraycopy(targetIp, 0, f, p + 24, 4);
        return f;
    }
}
