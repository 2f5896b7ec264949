package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import dev.ferry.machine.time.GuestClock;
import java.util.Objects;

/**
 * The core-local interruptor of QEMU's {@code virt} board (an ACLINT SWI plus MTIMER pair) for one hart, at
 * {@code 0x0200_0000}: {@code msip} at {@code 0x0} drives {@link InterruptSink#MSIP}, {@code mtimecmp} at
 * {@code 0x4000} and {@code mtime} at {@code 0xbff8}. The CPU derives MTIP itself by comparing
 * {@link #mtimecmp()} with the clock, so this device never drives MTIP.
 *
 * <p>Behaviour checked against QEMU 7.2: {@code mtimecmp} resets to 0 (so MTIP is pending from the start);
 * {@code msip} takes bit 0 of the written value; the {@code msip} page accepts only aligned 4-byte accesses
 * and the timer page only aligned 4- and 8-byte accesses (anything else, and anything at or above
 * {@code 0xc000}, is an access fault); an 8-byte access at a register's upper half reads only that half
 * and is ignored on write; registers of harts that do not exist read as 0.
 *
 * <p>Deviation from QEMU: writes to {@code mtime} are ignored, because {@code mtime} is the machine's
 * {@link GuestClock} (in deterministic mode, the retired-instruction count) and is not guest-writable here.
 */
public final class Clint implements MmioDevice, Snapshottable<ClintState> {

    /** Physical base address on the {@code virt} board. */
    public static final long BASE = 0x0200_0000L;
    /** Size of the register window. */
    public static final long SIZE = 0x1_0000;

    static final int MSIP = 0x0;
    static final int MTIMER_BASE = 0x4000;
    static final int MTIMECMP = 0x4000;
    static final int MTIME = 0xbff8;
    static final int MTIMER_END = 0xc000;

    private final GuestClock clock;
    private final InterruptSink sink;
    private boolean msip;
    private volatile long mtimecmp;

    /** A CLINT that reads {@code mtime} from {@code clock} and drives MSIP on {@code sink}. */
    public Clint(GuestClock clock, InterruptSink sink) {
        this.clock = Objects.requireNonNull(clock);
        this.sink = Objects.requireNonNull(sink);
    }

    /** Current {@code mtimecmp} of hart 0; MTIP is pending while {@code mtime >= mtimecmp} (unsigned). */
    public long mtimecmp() {
        return mtimecmp;
    }

    /** Current {@code msip} bit of hart 0. */
    public synchronized boolean msip() {
        return msip;
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        if ((offset & (width - 1)) != 0) {
            return false;
        }
        if (offset < MTIMER_BASE) {
            return width == 4;
        }
        return offset < MTIMER_END && (width == 4 || width == 8);
    }

    @Override
    public synchronized long read(long offset, int width) {
        if (offset == MSIP) {
            return msip ? 1 : 0;
        }
        if (offset == MTIMECMP) {
            return width == 4 ? mtimecmp & 0xffff_ffffL : mtimecmp;
        }
        if (offset == MTIMECMP + 4) {
            return mtimecmp >>> 32;
        }
        if (offset == MTIME) {
            long now = clock.mtime();
            return width == 4 ? now & 0xffff_ffffL : now;
        }
        if (offset == MTIME + 4) {
            return clock.mtime() >>> 32;
        }
        return 0;
    }

    @Override
    public synchronized void write(long offset, int width, long value) {
        if (offset == MSIP) {
            setMsip((value & 1) != 0);
        } else if (offset == MTIMECMP) {
            mtimecmp = width == 4 ? mtimecmp & 0xffff_ffff_0000_0000L | value & 0xffff_ffffL : value;
        } else if (offset == MTIMECMP + 4 && width == 4) {
            mtimecmp = value << 32 | mtimecmp & 0xffff_ffffL;
        }
    }

    private void setMsip(boolean level) {
        msip = level;
        sink.setInterruptLevel(InterruptSink.MSIP, level);
    }

    @Override
    public synchronized ClintState saveState() {
        return new ClintState(msip, mtimecmp);
    }

    /** Every value of both registers is valid. */
    @Override
    public void validateState(ClintState state) {
        Objects.requireNonNull(state);
    }

    /** Restores the registers and drives MSIP to the restored level. */
    @Override
    public synchronized void restoreState(ClintState state) {
        mtimecmp = state.mtimecmp();
        setMsip(state.msip());
    }
}
