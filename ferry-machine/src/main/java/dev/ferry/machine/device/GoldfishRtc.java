package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import dev.ferry.machine.time.GuestClock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The Goldfish real-time clock of QEMU's {@code virt} board, at {@code 0x10_1000} on PLIC source 11: a 64-bit
 * nanosecond count of wall-clock time, and one alarm that raises the interrupt when that count reaches it.
 * Registers (aligned 32-bit accesses only, anything else is an access fault): TIME_LOW {@code 0x00} (reading it
 * latches the upper half), TIME_HIGH {@code 0x04}, ALARM_LOW {@code 0x08} (writing it arms the alarm), ALARM_HIGH
 * {@code 0x0c}, IRQ_ENABLED {@code 0x10}, CLEAR_ALARM {@code 0x14}, ALARM_STATUS {@code 0x18}, CLEAR_INTERRUPT
 * {@code 0x1c}; other offsets read 0.
 *
 * <p>As QEMU 7.2 implements it: writing TIME_LOW or TIME_HIGH replaces that half of the current time (the offset
 * to the time source moves); an alarm at or before the current time fires at once, a later one runs until the
 * time reaches it; firing clears ALARM_STATUS and sets the pending flag; the line is high while pending and
 * enabled. The time source is the host's wall clock in real-time mode and, in deterministic mode, the guest clock
 * ({@code mtime} times 100 ns) from a fixed start date ({@link #DETERMINISTIC_EPOCH_NANOS}), so the guest sees the
 * same time after the same number of instructions in every run.
 *
 * <p>The device does not keep time itself: the board asks it for {@link #alarmSourceNanos()} and calls
 * {@link #poll()} on the vCPU thread once the source reaches it; {@code armed} tells the board that the alarm
 * changed. All calls arrive on the vCPU thread.
 */
public final class GoldfishRtc implements MmioDevice, Snapshottable<GoldfishRtcState> {

    /** Physical base address on the {@code virt} board. */
    public static final long BASE = 0x10_1000L;
    /** Size of the register window. */
    public static final long SIZE = 0x1000;
    /** PLIC source on the {@code virt} board. */
    public static final int IRQ = 11;
    /** The deterministic clock's time at {@code mtime} 0: 2026-01-01T00:00:00Z. */
    public static final long DETERMINISTIC_EPOCH_NANOS = 1_767_225_600L * 1_000_000_000L;

    static final int TIME_LOW = 0x00;
    static final int TIME_HIGH = 0x04;
    static final int ALARM_LOW = 0x08;
    static final int ALARM_HIGH = 0x0c;
    static final int IRQ_ENABLED = 0x10;
    static final int CLEAR_ALARM = 0x14;
    static final int ALARM_STATUS = 0x18;
    static final int CLEAR_INTERRUPT = 0x1c;

    private final InterruptLine irq;
    private final LongSupplier source;
    private final Runnable armed;
    private long tickOffset;
    private long alarmNext;
    private boolean alarmRunning;
    private boolean irqPending;
    private boolean irqEnabled;
    private int timeHigh;

    /**
     * A clock reading {@code source} (nanoseconds) plus {@code initialOffset}, interrupting on {@code irq} and
     * calling {@code armed} whenever the alarm is armed, cancelled or restored.
     */
    public GoldfishRtc(InterruptLine irq, LongSupplier source, long initialOffset, Runnable armed) {
        this.irq = Objects.requireNonNull(irq);
        this.source = Objects.requireNonNull(source);
        this.armed = Objects.requireNonNull(armed);
        this.tickOffset = initialOffset;
    }

    /** A clock that shows the host's wall-clock time. */
    public static GoldfishRtc realTime(InterruptLine irq, Runnable armed) {
        return new GoldfishRtc(irq, GoldfishRtc::hostNanos, 0, armed);
    }

    /** A clock driven by the guest clock from {@link #DETERMINISTIC_EPOCH_NANOS}. */
    public static GoldfishRtc deterministic(InterruptLine irq, GuestClock clock, Runnable armed) {
        return new GoldfishRtc(irq, () -> clock.mtime() * (1_000_000_000L / GuestClock.FREQUENCY_HZ),
                DETERMINISTIC_EPOCH_NANOS, armed);
    }

    /** Nanoseconds since the Unix epoch on the host's wall clock. */
    public static long hostNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The guest's current time in nanoseconds since the Unix epoch. */
    public long now() {
        return tickOffset + source.getAsLong();
    }

    /** The source time at which the armed alarm fires, {@code Long.MAX_VALUE} when none is armed. */
    public long alarmSourceNanos() {
        return alarmRunning ? alarmNext - tickOffset : Long.MAX_VALUE;
    }

    /** Fires the alarm if it is armed and due. vCPU thread. */
    public void poll() {
        if (alarmRunning && Long.compareUnsigned(alarmNext, now()) <= 0) {
            fire();
        }
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        return width == 4 && (offset & 3) == 0;
    }

    @Override
    public long read(long offset, int width) {
        return switch ((int) offset) {
            case TIME_LOW -> {
                long t = now();
                timeHigh = (int) (t >>> 32);
                yield t & 0xffff_ffffL;
            }
            case TIME_HIGH -> timeHigh & 0xffff_ffffL;
            case ALARM_LOW -> alarmNext & 0xffff_ffffL;
            case ALARM_HIGH -> alarmNext >>> 32;
            case IRQ_ENABLED -> irqEnabled ? 1 : 0;
            case ALARM_STATUS -> alarmRunning ? 1 : 0;
            default -> 0;
        };
    }

    @Override
    public void write(long offset, int width, long value) {
        long v = value & 0xffff_ffffL;
        switch ((int) offset) {
            case TIME_LOW -> {
                long t = now();
                tickOffset += (t & 0xffff_ffff_0000_0000L | v) - t;
            }
            case TIME_HIGH -> {
                long t = now();
                tickOffset += (t & 0xffff_ffffL | v << 32) - t;
            }
            case ALARM_LOW -> {
                alarmNext = alarmNext & 0xffff_ffff_0000_0000L | v;
                arm();
            }
            case ALARM_HIGH -> alarmNext = alarmNext & 0xffff_ffffL | v << 32;
            case IRQ_ENABLED -> {
                irqEnabled = (v & 1) != 0;
                update();
            }
            case CLEAR_ALARM -> {
                alarmRunning = false;
                armed.run();
            }
            case CLEAR_INTERRUPT -> {
                irqPending = false;
                update();
            }
            default -> {
            }
        }
    }

    private void arm() {
        if (Long.compareUnsigned(alarmNext, now()) <= 0) {
            fire();
        } else {
            alarmRunning = true;
        }
        armed.run();
    }

    private void fire() {
        alarmRunning = false;
        irqPending = true;
        update();
    }

    private void update() {
        irq.setLevel(irqPending && irqEnabled);
    }

    @Override
    public GoldfishRtcState saveState() {
        return new GoldfishRtcState(tickOffset, alarmNext, alarmRunning, irqPending, irqEnabled, timeHigh);
    }

    /** Any combination of values is a state the device can be in. */
    @Override
    public void validateState(GoldfishRtcState state) {
        Objects.requireNonNull(state);
    }

    /** Restores the registers and re-arms the alarm; the interrupt controller restores its own pending bit. */
    @Override
    public void restoreState(GoldfishRtcState s) {
        tickOffset = s.tickOffset();
        alarmNext = s.alarmNext();
        alarmRunning = s.alarmRunning();
        irqPending = s.irqPending();
        irqEnabled = s.irqEnabled();
        timeHigh = s.timeHigh();
        armed.run();
    }
}
