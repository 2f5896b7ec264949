package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import java.util.Objects;

/**
 * The {@code sifive_test} device of QEMU's {@code virt} board (at {@code 0x0010_0000}): the guest's way to power
 * off with an exit code or to reset. A write to offset 0 whose low 16 bits are {@code 0x5555} passes (exit code
 * 0), {@code 0x3333} fails with the code in bits 16..31, {@code 0x7777} resets; other values and other offsets
 * are ignored. Reads return 0. As on QEMU 7.2, only 2- and 4-byte accesses are accepted.
 */
public final class TestFinisher implements MmioDevice, Snapshottable<TestFinisherState> {

    /** Physical base address on the {@code virt} board. */
    public static final long BASE = 0x0010_0000L;
    /** Size of the register window. */
    public static final long SIZE = 0x1000;

    static final int FAIL = 0x3333;
    static final int PASS = 0x5555;
    static final int RESET = 0x7777;

    private final PowerControl power;

    /** A finisher that reports to {@code power}. */
    public TestFinisher(PowerControl power) {
        this.power = Objects.requireNonNull(power);
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        return width == 2 || width == 4;
    }

    @Override
    public long read(long offset, int width) {
        return 0;
    }

    @Override
    public void write(long offset, int width, long value) {
        if (offset != 0) {
            return;
        }
        int status = (int) value & 0xffff;
        int code = (int) (value >>> 16) & 0xffff;
        switch (status) {
            case PASS -> power.powerOff(0);
            case FAIL -> power.powerOff(code);
            case RESET -> power.reset();
            default -> { }
        }
    }

    @Override
    public TestFinisherState saveState() {
        return new TestFinisherState();
    }

    /** The record is empty: any one fits. */
    @Override
    public void validateState(TestFinisherState state) {
        Objects.requireNonNull(state);
    }

    /** Nothing to restore. */
    @Override
    public void restoreState(TestFinisherState state) {
    }
}
