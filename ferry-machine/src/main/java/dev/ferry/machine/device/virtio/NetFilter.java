package dev.ferry.machine.device.virtio;

import java.util.Arrays;

/**
 * The receive filter of a {@link VirtioNet} and the control-queue commands that set it, as QEMU 7.2's virtio-net
 * implements them: RX mode flags (promiscuous after reset), a 64-entry MAC table with overflow flags, the MAC
 * address, VLAN filter bits (all VLANs pass unless the driver takes CTRL_VLAN) and the announce acknowledgement.
 * Setting guest offloads fails, as on QEMU when the back end has no virtio header (checked on QEMU 7.2).
 */
final class NetFilter {

    static final int OK = 0;
    static final int ERR = 1;

    static final int CLASS_RX = 0;
    static final int CLASS_MAC = 1;
    static final int CLASS_VLAN = 2;
    static final int CLASS_ANNOUNCE = 3;

    static final int PROMISC = 1;
    static final int MAC_ENTRIES = 64;
    static final int MAX_VLAN = 4096;
    private static final int RX_MODES = 6;

    private final byte[] configuredMac;
    private byte[] mac;
    private int rxMode;
    private byte[] table = new byte[0];
    private int firstMulti;
    private boolean uniOverflow;
    private boolean multiOverflow;
    private final int[] vlans = new int[MAX_VLAN / 32];

    NetFilter(byte[] configuredMac) {
        this.configuredMac = configuredMac.clone();
        reset();
    }

    /** Device reset: promiscuous, empty table, the configured MAC, no VLANs. */
    void reset() {
        mac = configuredMac.clone();
        rxMode = PROMISC;
        table = new byte[0];
        firstMulti = 0;
        uniOverflow = false;
        multiOverflow = false;
        Arrays.fill(vlans, 0);
    }

    /** The driver's features: without CTRL_VLAN every VLAN passes. */
    void featuresAccepted(boolean ctrlVlan) {
        Arrays.fill(vlans, ctrlVlan ? 0 : -1);
    }

    byte[] mac() {
        return mac;
    }

    void setMac(int index, byte b) {
        mac[index] = b;
    }

    /** Whether the guest receives {@code frame}. */
    boolean accepts(byte[] f) {
        if ((rxMode & PROMISC) != 0) {
            return true;
        }
        if (f.length >= 16 && (f[12] & 0xff) == 0x81 && f[13] == 0) {
            int vid = ((f[14] & 0xff) << 8 | f[15] & 0xff) & 0xfff;
            if ((vlans[vid >>> 5] & 1 << (vid & 31)) == 0) {
                return false;
            }
        }
        if (f.length < 6) {
            return false;
        }
        if ((f[0] & 1) != 0) {
            if (isBroadcast(f)) {
                return !mode(5);
            }
            if (mode(3)) {
                return false;
            }
            if (mode(1) || multiOverflow) {
                return true;
            }
            return inTable(f, firstMulti, table.length / 6);
        }
        if (mode(4)) {
            return false;
        }
        if (mode(2) || uniOverflow || Arrays.equals(f, 0, 6, mac, 0, 6)) {
            return true;
        }
        return inTable(f, 0, firstMulti);
    }

    private boolean mode(int bit) {
        return (rxMode & 1 << bit) != 0;
    }

    private static boolean isBroadcast(byte[] f) {
        for (int i = 0; i < 6; i++) {
            if (f[i] != -1) {
                return false;
            }
        }
        return true;
    }

    private boolean inTable(byte[] f, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Arrays.equals(f, 0, 6, table, 6 * i, 6 * i + 6)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Executes one control command with its data (the readable bytes after the 2-byte header) and returns the ack
     * byte. {@code announcing} is the ANNOUNCE status bit, which an ACK clears through {@code ackAnnounce}.
     */
    int command(int cls, int cmd, byte[] data, boolean announcing, Runnable ackAnnounce) {
        return switch (cls) {
            case CLASS_RX -> {
                if (data.length < 1 || cmd >= RX_MODES) {
                    yield ERR;
                }
                rxMode = data[0] != 0 ? rxMode | 1 << cmd : rxMode & ~(1 << cmd);
                yield OK;
            }
            case CLASS_MAC -> cmd == 1 ? setAddress(data) : cmd == 0 ? setTable(data) : ERR;
            case CLASS_VLAN -> {
                if (data.length < 2) {
                    yield ERR;
                }
                int vid = data[0] & 0xff | (data[1] & 0xff) << 8;
                if (vid >= MAX_VLAN || cmd > 1) {
                    yield ERR;
                }
                int bit = 1 << (vid & 31);
                vlans[vid >>> 5] = cmd == 0 ? vlans[vid >>> 5] | bit : vlans[vid >>> 5] & ~bit;
                yield OK;
            }
            case CLASS_ANNOUNCE -> {
                if (cmd == 0 && announcing) {
                    ackAnnounce.run();
                    yield OK;
                }
                yield ERR;
            }
            default -> ERR;
        };
    }

    private int setAddress(byte[] data) {
        if (data.length != 6) {
            return ERR;
        }
        mac = data.clone();
        return OK;
    }

    /** MAC_TABLE_SET: a unicast list then a multicast list, each a 32-bit count and 6 bytes per entry. */
    private int setTable(byte[] data) {
        if (data.length < 4) {
            return ERR;
        }
        long uni = le32(data, 0) & 0xffff_ffffL;
        int at = 4;
        if (uni * 6 > data.length - at) {
            return ERR;
        }
        byte[] entries = new byte[0];
        boolean uniOver = uni > MAC_ENTRIES;
        if (!uniOver) {
            entries = Arrays.copyOfRange(data, at, at + (int) uni * 6);
        }
        at += (int) uni * 6;
        if (data.length - at < 4) {
            return ERR;
        }
        long multi = le32(data, at) & 0xffff_ffffL;
        at += 4;
        if (multi * 6 != data.length - at) {
            return ERR;
        }
        int first = entries.length / 6;
        boolean multiOver = multi > MAC_ENTRIES - first;
        if (!multiOver) {
            byte[] all = Arrays.copyOf(entries, entries.length + (int) multi * 6);
            System.arraycopy(data, at, all, entries.length, (int) multi * 6);
            entries = all;
        }
        table = entries;
        firstMulti = first;
        uniOverflow = uniOver;
        multiOverflow = multiOver;
        return OK;
    }

    private static int le32(byte[] b, int at) {
        return b[at] & 0xff | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    NetFilterState save() {
        return new NetFilterState(mac.clone(), rxMode, table.clone(), firstMulti, uniOverflow, multiOverflow,
                vlans.clone());
    }

    static void validate(NetFilterState s) {
        if (s.mac() == null || s.mac().length != 6 || (s.rxMode() & ~((1 << RX_MODES) - 1)) != 0
                || s.macTable() == null || s.macTable().length % 6 != 0 || s.macTable().length > 6 * MAC_ENTRIES
                || s.firstMulti() < 0 || s.firstMulti() > s.macTable().length / 6 || s.vlans() == null
                || s.vlans().length != MAX_VLAN / 32) {
            throw new IllegalArgumentException("virtio-net receive filter state out of range");
        }
    }

    void restore(NetFilterState s) {
        mac = s.mac().clone();
        rxMode = s.rxMode();
        table = s.macTable().clone();
        firstMulti = s.firstMulti();
        uniOverflow = s.uniOverflow();
        multiOverflow = s.multiOverflow();
        System.arraycopy(s.vlans(), 0, vlans, 0, vlans.length);
    }
}
