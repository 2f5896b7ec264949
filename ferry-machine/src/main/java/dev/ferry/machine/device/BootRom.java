package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import java.util.Arrays;

/**
 * The mask ROM of QEMU's {@code virt} board at {@code 0x1000}: read-only memory holding the reset vector and the
 * OpenSBI {@code fw_dynamic} information block that the firmware reads through {@code a2}. Writes are ignored,
 * as writes to ROM are. Its contents are part of the machine's state, so a restored or migrated machine reads
 * the same words.
 */
public final class BootRom implements MmioDevice, Snapshottable<BootRomState> {

    /** Guest-physical base address, as on QEMU {@code virt}. */
    public static final long BASE = 0x1000;
    /** Size of the window, as on QEMU {@code virt}. */
    public static final long SIZE = 0xf000;

    private byte[] contents = new byte[0];

    /** Replaces the contents from the start of the ROM; the rest of the window reads as zero. */
    public void load(byte[] bytes) {
        if (bytes.length > SIZE) {
            throw new IllegalArgumentException("boot ROM contents of " + bytes.length + " bytes exceed " + SIZE);
        }
        contents = bytes.clone();
    }

    /** The loaded contents. */
    public byte[] contents() {
        return contents.clone();
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public long read(long offset, int width) {
        return ReadOnlyBytes.read(contents, offset, width);
    }

    @Override
    public void write(long offset, int width, long value) {
        // ROM: the write has no effect.
    }

    @Override
    public BootRomState saveState() {
        return new BootRomState(contents.clone());
    }

    @Override
    public void validateState(BootRomState state) {
        if (state.contents().length > SIZE) {
            throw new IllegalArgumentException("boot ROM contents of " + state.contents().length + " bytes exceed "
                    + SIZE);
        }
    }

    @Override
    public void restoreState(BootRomState state) {
        contents = Arrays.copyOf(state.contents(), state.contents().length);
    }
}
