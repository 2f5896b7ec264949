package dev.ferry.machine.cpu;

import dev.ferry.machine.device.InterruptSink;
import dev.ferry.machine.device.MmioDevice;
import dev.ferry.machine.device.SystemBus;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.time.RealTimeClock;

import java.util.ArrayList;
import java.util.List;

/**
 * RAM at 0x8000_0000 plus a test device: a CLINT-like mtimecmp/msip window, a console that records bytes,
 * an interrupt-line register and an exit register that stops the CPU.
 */
final class TestMachine {

    static final long RAM_BASE = 0x8000_0000L;
    static final long DEV_BASE = 0x1000_0000L;
    /** Byte writes are recorded as console output. */
    static final long DEV_CONSOLE = DEV_BASE;
    /** 64-bit mtimecmp. */
    static final long DEV_MTIMECMP = DEV_BASE + 8;
    /** Writing a value drives MSIP from bit 0 and MEIP from bit 1. */
    static final long DEV_LINES = DEV_BASE + 16;
    /** Any write stops the CPU; the value is kept as the exit code. */
    static final long DEV_EXIT = DEV_BASE + 24;
    /** Reads return mtime as the CPU's clock shows it. */
    static final long DEV_MTIME = DEV_BASE + 32;

    final GuestMemory ram;
    final SystemBus bus = new SystemBus();
    final Cpu cpu;
    final StringBuilder console = new StringBuilder();
    final List<Long> mtimeReads = new ArrayList<>();
    long mtimecmp = -1;
    long exitCode = -1;
    int lines;

    TestMachine() {
        this(1 << 20, null);
    }

    TestMachine(long ramSize, RealTimeClock clock) {
        ram = new GuestMemory(RAM_BASE, ramSize);
        cpu = new Cpu(ram, bus, clock);
        cpu.setTimerCompare(() -> mtimecmp);
        bus.map(DEV_BASE, new MmioDevice() {
            @Override
            public long size() {
                return 0x100;
            }

            @Override
            public long read(long offset, int width) {
                if (offset == 8) {
                    return mtimecmp;
                }
                if (offset == 16) {
                    return lines;
                }
                if (offset == 32) {
                    long t = cpu.clock().mtime();
                    mtimeReads.add(t);
                    return t;
                }
                return 0;
            }

            @Override
            public void write(long offset, int width, long value) {
                switch ((int) offset) {
                    case 0 -> console.append((char) (value & 0xff));
                    case 8 -> mtimecmp = value;
                    case 16 -> {
                        lines = (int) value;
                        cpu.setInterruptLevel(InterruptSink.MSIP, (value & 1) != 0);
                        cpu.setInterruptLevel(InterruptSink.MEIP, (value & 2) != 0);
                        cpu.setInterruptLevel(InterruptSink.SEIP, (value & 4) != 0);
                    }
                    case 24 -> {
                        exitCode = value;
                        cpu.requestStop();
                    }
                    default -> { }
                }
            }
        });
    }

    /** Loads code at the start of RAM and resets the CPU there. */
    TestMachine load(Asm asm) {
        byte[] code = asm.assemble();
        ram.writeBytes(RAM_BASE, code, 0, code.length);
        cpu.reset(RAM_BASE);
        return this;
    }

    /** Runs until the guest writes the exit register (or a safety limit of ticks). */
    TestMachine runToExit() {
        StopReason r = cpu.run(cpu.instret() + 50_000_000L);
        if (r != StopReason.STOP_REQUESTED) {
            throw new AssertionError("guest did not exit; pc=0x" + Long.toHexString(cpu.pc()));
        }
        return this;
    }

    /** Runs until the guest writes the exit register, without a tick limit. */
    TestMachine runToExitUnbounded() {
        while (cpu.run(Long.MAX_VALUE) != StopReason.STOP_REQUESTED || exitCode < 0) {
            Thread.onSpinWait();
        }
        return this;
    }

    long reg(int i) {
        return cpu.reg(i);
    }

    long load64(long addr) {
        return ram.load64(addr);
    }

    /** Emits the exit sequence (uses t6). */
    static Asm exit(Asm a) {
        return a.li(Asm.T6, DEV_EXIT).sw(Asm.ZERO, Asm.T6, 0);
    }
}
