package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A read-only register window through which a guest learns who it is: a generation counter that changes
 * whenever the host gives the VM a new identity (a clone gets one at the instant it is made), the MAC address its
 * interface should use, its kernel-style {@code ip=} value and its name. Linux needs no driver: the device tree
 * describes the window ({@code compatible = "ferry,identity"}), and a small guest program reads it through
 * {@code /dev/mem} and applies a new identity when the generation moves. QEMU has no such device, so the same
 * image finds no node there and leaves the network as the kernel set it up.
 *
 * <p>Layout (little-endian; any width from 1 to 8 bytes at any offset; writes are ignored):
 * <pre>
 *   0x000  u32 magic 0x44495246 ("FRID")     0x004  u32 layout version (1)
 *   0x008  u32 generation                     0x010  6 bytes MAC (zeros: none), 2 zero bytes
 *   0x020  u32 length of ip                   0x024  u32 length of name
 *   0x040  ip= value, up to 256 bytes         0x140  name, up to 64 bytes
 * </pre>
 */
public final class CloneIdentity implements MmioDevice, Snapshottable<CloneIdentityState> {

    /** Guest-physical base: a page QEMU {@code virt} leaves unused, next to the RTC. */
    public static final long BASE = 0x0010_2000;
    /** Size of the window. */
    public static final long SIZE = 0x1000;
    /** The value of the magic register. */
    public static final int MAGIC = 0x4449_5246;
    /** The layout version. */
    public static final int VERSION = 1;
    /** Longest {@code ip=} value. */
    public static final int MAX_IP = 256;
    /** Longest name. */
    public static final int MAX_NAME = 64;

    private static final int IP_OFFSET = 0x40;
    private static final int NAME_OFFSET = 0x140;
    private static final int LAYOUT_BYTES = NAME_OFFSET + MAX_NAME;

    private CloneIdentityState state = new CloneIdentityState(1, new byte[0], "", "");
    private byte[] registers = layout(state);

    /** The identity the guest sees now. */
    public CloneIdentityState identity() {
        return state;
    }

    /**
     * Gives the VM a new identity: the generation moves on by one. vCPU stopped or at a safepoint.
     *
     * @throws IllegalArgumentException if the MAC is not 6 bytes or a string is too long
     */
    public void assign(byte[] mac, String ip, String name) {
        CloneIdentityState next = new CloneIdentityState(state.generation() + 1, mac.clone(), ip, name);
        validateState(next);
        restoreState(next);
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public long read(long offset, int width) {
        return ReadOnlyBytes.read(registers, offset, width);
    }

    @Override
    public void write(long offset, int width, long value) {
        // read-only registers
    }

    @Override
    public CloneIdentityState saveState() {
        return new CloneIdentityState(state.generation(), state.mac().clone(), state.ip(), state.name());
    }

    @Override
    public void validateState(CloneIdentityState s) {
        if (s.mac().length != 0 && s.mac().length != 6) {
            throw new IllegalArgumentException("an identity's MAC has 6 bytes, not " + s.mac().length);
        }
        if (s.ip().getBytes(StandardCharsets.UTF_8).length > MAX_IP) {
            throw new IllegalArgumentException("an identity's ip= value has at most " + MAX_IP + " bytes");
        }
        if (s.name().getBytes(StandardCharsets.UTF_8).length > MAX_NAME) {
            throw new IllegalArgumentException("an identity's name has at most " + MAX_NAME + " bytes");
        }
    }

    @Override
    public void restoreState(CloneIdentityState s) {
        state = new CloneIdentityState(s.generation(), s.mac().clone(), s.ip(), s.name());
        registers = layout(state);
    }

    private static byte[] layout(CloneIdentityState s) {
        byte[] ip = s.ip().getBytes(StandardCharsets.UTF_8);
        byte[] name = s.name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(LAYOUT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, s.generation());
        b.put(0x10, s.mac());
        b.putInt(0x20, ip.length).putInt(0x24, name.length);
        b.put(IP_OFFSET, ip).put(NAME_OFFSET, name);
        return b.array();
    }
}
