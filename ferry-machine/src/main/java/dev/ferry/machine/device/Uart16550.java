package dev.ferry.machine.device;

import dev.ferry.machine.state.Snapshottable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * The NS16550A UART of QEMU's {@code virt} board at {@code 0x1000_0000} (PLIC source 10), with QEMU's register
 * behaviour: RBR/THR, IER, IIR/FCR with a 16-byte receive FIFO and trigger levels, LCR with the divisor latch,
 * MCR with loopback, LSR, MSR and SCR. Transmission is instantaneous: a byte written to THR goes straight to
 * the output and THR is empty again at once, so polling LSR.THRE never waits.
 *
 * <p>Bytes from the host arrive through {@link #receive} from any thread. They wait in a host-side buffer
 * and move into the UART as room appears, the way QEMU's character backend feeds it, so typing faster than
 * the guest reads loses nothing. In loopback mode the receiver is disconnected from the host and they wait.
 *
 * <p>Checked against QEMU 7.2 with probes: reset values (IIR 0x01, LSR 0x60, MCR 0x08, MSR 0xb0, divisor 12),
 * IER keeps 4 bits and MCR 5, IIR shows 0xc0 with the FIFOs on, reading IIR while it reports THRE clears that
 * interrupt, loopback echoes THR into the receiver and maps MCR onto MSR, and an aligned access of any width
 * reaches one register (the low byte). Only the first 8 bytes of the window decode; accesses beyond them fault.
 *
 * <p>Deviation from QEMU: the character timeout interrupt is pending whenever the FIFO holds data below the
 * trigger level, instead of four character times after the last FIFO activity, since there is no line
 * timing to wait for. Data in the FIFO therefore always shows as either a timeout or a data interrupt.
 *
 * <p>The interrupt line is driven at the same points as QEMU's {@code serial_update_irq}, which matters
 * because the PLIC latches a high level. Thread-safe.
 */
public final class Uart16550 implements MmioDevice, Snapshottable<UartState> {

    /** Physical base address on the {@code virt} board. */
    public static final long BASE = 0x1000_0000L;
    /** Size of the window the {@code virt} memory map reserves. */
    public static final long SIZE = 0x100;
    /** Bytes of the window that decode (eight registers). */
    public static final int DECODED = 8;
    /** Depth of the receive FIFO. */
    public static final int FIFO_SIZE = 16;
    /** Capacity of the host-side input buffer; {@link #receive} refuses bytes beyond it. */
    public static final int HOST_BUFFER_SIZE = 4096;

    static final int IER_RDI = 0x01;
    static final int IER_THRI = 0x02;
    static final int IER_RLSI = 0x04;
    static final int IER_MSI = 0x08;

    static final int IIR_NO_INT = 0x01;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_CTI = 0x0c;
    static final int IIR_MSI = 0x00;
    static final int IIR_FIFO_BITS = 0xc0;

    static final int FCR_FE = 0x01;
    static final int FCR_RFR = 0x02;
    static final int FCR_XFR = 0x04;
    static final int FCR_STICKY = 0xc9;

    static final int LCR_DLAB = 0x80;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;

    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_BI = 0x10;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;
    static final int LSR_INT_ANY = 0x1e;

    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_DCD = 0x80;
    static final int MSR_ANY_DELTA = 0x0f;

    private final IntConsumer output;
    private final InterruptLine irq;

    private int ier;
    private int lcr;
    private int mcr = MCR_OUT2;
    private int lsr = LSR_TEMT | LSR_THRE;
    private int msr = MSR_DCD | MSR_DSR | MSR_CTS;
    private int scr;
    private int fcr;
    private int divider = 0x0c;
    private int rbr;
    private boolean thrInterrupt;
    private final ByteRing rxFifo = new ByteRing(FIFO_SIZE);
    private final ByteRing hostInput = new ByteRing(HOST_BUFFER_SIZE);

    /** A UART that hands each transmitted byte (0 to 255) to {@code output} and drives {@code irq}. */
    public Uart16550(IntConsumer output, InterruptLine irq) {
        this.output = Objects.requireNonNull(output);
        this.irq = Objects.requireNonNull(irq);
    }

    /** A UART that writes and flushes each transmitted byte to {@code out}. */
    public Uart16550(OutputStream out, InterruptLine irq) {
        this(toConsumer(out), irq);
    }

    private static IntConsumer toConsumer(OutputStream out) {
        Objects.requireNonNull(out);
        return b -> {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /**
     * Queues a byte typed on the host. Any thread.
     *
     * @return false when the host-side buffer is full and the byte was dropped
     */
    public synchronized boolean receive(byte b) {
        if (hostInput.isFull()) {
            return false;
        }
        hostInput.add(b);
        if ((mcr & MCR_LOOP) == 0) {
            acceptHostInput();
        }
        return true;
    }

    @Override
    public long size() {
        return SIZE;
    }

    @Override
    public boolean accepts(long offset, int width) {
        return offset + width <= DECODED;
    }

    @Override
    public synchronized long read(long offset, int width) {
        int reg = (int) offset;
        if (width == 1 || (reg & (width - 1)) == 0) {
            return readRegister(reg);
        }
        long value = 0;
        for (int i = 0; i < width; i++) {
            value |= (long) readRegister(reg + i) << (8 * i);
        }
        return value;
    }

    @Override
    public synchronized void write(long offset, int width, long value) {
        int reg = (int) offset;
        if (width == 1 || (reg & (width - 1)) == 0) {
            writeRegister(reg, (int) value & 0xff);
            return;
        }
        for (int i = 0; i < width; i++) {
            writeRegister(reg + i, (int) (value >>> (8 * i)) & 0xff);
        }
    }

    private int readRegister(int reg) {
        switch (reg) {
            case 0 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    return divider & 0xff;
                }
                return readRbr();
            }
            case 1 -> {
                return (lcr & LCR_DLAB) != 0 ? divider >>> 8 : ier;
            }
            case 2 -> {
                int iir = iir();
                if ((iir & 0x0f) == IIR_THRI) {
                    thrInterrupt = false;
                    updateIrq();
                }
                return iir;
            }
            case 3 -> {
                return lcr;
            }
            case 4 -> {
                return mcr;
            }
            case 5 -> {
                int value = lsr;
                if ((lsr & (LSR_BI | LSR_OE)) != 0) {
                    lsr &= ~(LSR_BI | LSR_OE);
                    updateIrq();
                }
                return value;
            }
            case 6 -> {
                if ((mcr & MCR_LOOP) != 0) {
                    return (mcr & 0x0c) << 4 | (mcr & 0x02) << 3 | (mcr & 0x01) << 5;
                }
                int value = msr;
                if ((msr & MSR_ANY_DELTA) != 0) {
                    msr &= 0xf0;
                    updateIrq();
                }
                return value;
            }
            default -> {
                return scr;
            }
        }
    }

    private int readRbr() {
        int value;
        if (fifoEnabled()) {
            value = rxFifo.isEmpty() ? 0 : rxFifo.remove() & 0xff;
            if (rxFifo.isEmpty()) {
                lsr &= ~(LSR_DR | LSR_BI);
            }
        } else {
            value = rbr;
            lsr &= ~(LSR_DR | LSR_BI);
        }
        updateIrq();
        if ((mcr & MCR_LOOP) == 0) {
            acceptHostInput();
        }
        return value;
    }

    private void writeRegister(int reg, int v) {
        switch (reg) {
            case 0 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divider = divider & 0xff00 | v;
                } else {
                    transmit(v);
                }
            }
            case 1 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divider = divider & 0x00ff | v << 8;
                } else {
                    int changed = (ier ^ v) & 0x0f;
                    ier = v & 0x0f;
                    if ((changed & IER_THRI) != 0) {
                        thrInterrupt = (ier & IER_THRI) != 0 && (lsr & LSR_THRE) != 0;
                    }
                    if (changed != 0) {
                        updateIrq();
                    }
                }
            }
            case 2 -> writeFcr(v);
            case 3 -> lcr = v;
            case 4 -> {
                mcr = v & 0x1f;
                if ((mcr & MCR_LOOP) == 0) {
                    acceptHostInput();
                }
            }
            case 7 -> scr = v;
            default -> { }
        }
    }

    private void transmit(int v) {
        if ((mcr & MCR_LOOP) != 0) {
            take((byte) v);
        } else {
            output.accept(v);
        }
        lsr |= LSR_THRE | LSR_TEMT;
        thrInterrupt = true;
        updateIrq();
    }

    private void writeFcr(int v) {
        if (((v ^ fcr) & FCR_FE) != 0) {
            v |= FCR_XFR | FCR_RFR;
        }
        if ((v & FCR_RFR) != 0) {
            lsr &= ~(LSR_DR | LSR_BI);
            rxFifo.clear();
        }
        if ((v & FCR_XFR) != 0) {
            lsr |= LSR_THRE;
            thrInterrupt = true;
        }
        fcr = v & FCR_STICKY;
        updateIrq();
        if ((mcr & MCR_LOOP) == 0) {
            acceptHostInput();
        }
    }

    /** Moves host bytes into the receiver while it has room, as QEMU's backend does through can_receive. */
    private void acceptHostInput() {
        while (!hostInput.isEmpty()) {
            int room;
            if (fifoEnabled()) {
                int count = rxFifo.size();
                int level = triggerLevel();
                room = count >= FIFO_SIZE ? 0 : count <= level ? level - count : 1;
            } else {
                room = (lsr & LSR_DR) != 0 ? 0 : 1;
            }
            if (room == 0) {
                return;
            }
            take(hostInput.remove());
        }
    }

    /** A byte reaches the receiver (from the host or through loopback). */
    private void take(byte b) {
        if (fifoEnabled()) {
            if (rxFifo.isFull()) {
                lsr |= LSR_OE;
            } else {
                rxFifo.add(b);
            }
            lsr |= LSR_DR;
        } else {
            if ((lsr & LSR_DR) != 0) {
                lsr |= LSR_OE;
            }
            rbr = b & 0xff;
            lsr |= LSR_DR;
        }
        updateIrq();
    }

    /** Data waits in the FIFO below the trigger level: the character timeout, taken as already expired. */
    private boolean timeoutDue() {
        int count = rxFifo.size();
        return fifoEnabled() && count > 0 && count < triggerLevel();
    }

    private boolean fifoEnabled() {
        return (fcr & FCR_FE) != 0;
    }

    private int triggerLevel() {
        return switch (fcr & 0xc0) {
            case 0x00 -> 1;
            case 0x40 -> 4;
            case 0x80 -> 8;
            default -> 14;
        };
    }

    private int interruptId() {
        if ((ier & IER_RLSI) != 0 && (lsr & LSR_INT_ANY) != 0) {
            return IIR_RLSI;
        }
        if ((ier & IER_RDI) != 0 && timeoutDue()) {
            return IIR_CTI;
        }
        if ((ier & IER_RDI) != 0 && (lsr & LSR_DR) != 0 && (!fifoEnabled() || rxFifo.size() >= triggerLevel())) {
            return IIR_RDI;
        }
        if ((ier & IER_THRI) != 0 && thrInterrupt) {
            return IIR_THRI;
        }
        if ((ier & IER_MSI) != 0 && (msr & MSR_ANY_DELTA) != 0) {
            return IIR_MSI;
        }
        return IIR_NO_INT;
    }

    private int iir() {
        return interruptId() | (fifoEnabled() ? IIR_FIFO_BITS : 0);
    }

    private void updateIrq() {
        irq.setLevel(interruptId() != IIR_NO_INT);
    }

    /** True while the UART asserts its interrupt line. */
    public synchronized boolean interruptPending() {
        return interruptId() != IIR_NO_INT;
    }

    @Override
    public synchronized UartState saveState() {
        return new UartState(ier, lcr, mcr, lsr, msr, scr, fcr, divider, rbr, thrInterrupt, rxFifo.toArray(),
                hostInput.toArray());
    }

    /** Checks every register's range, that only sticky FCR bits are set, and the buffer sizes. */
    @Override
    public void validateState(UartState s) {
        checkRange("IER", s.ier(), 0x0f);
        checkRange("LCR", s.lcr(), 0xff);
        checkRange("MCR", s.mcr(), 0x1f);
        checkRange("LSR", s.lsr(), 0xff);
        checkRange("MSR", s.msr(), 0xff);
        checkRange("SCR", s.scr(), 0xff);
        checkRange("FCR", s.fcr(), 0xff);
        checkRange("divisor", s.divider(), 0xffff);
        checkRange("RBR", s.rbr(), 0xff);
        if ((s.fcr() & ~FCR_STICKY) != 0) {
            throw new IllegalArgumentException("UART FCR state 0x" + Integer.toHexString(s.fcr()) + " has bits that do not stick");
        }
        if (s.rxFifo() == null || s.rxFifo().length > FIFO_SIZE) {
            throw new IllegalArgumentException("UART receive FIFO holds at most " + FIFO_SIZE + " bytes");
        }
        if (s.hostInput() == null || s.hostInput().length > HOST_BUFFER_SIZE) {
            throw new IllegalArgumentException("UART host input holds at most " + HOST_BUFFER_SIZE + " bytes");
        }
    }

    /**
     * Restores all registers and buffers. The interrupt line is not driven: the PLIC's own restored pending
     * bits already carry the interrupt, and re-raising it here would latch a pending bit the guest had claimed.
     */
    @Override
    public synchronized void restoreState(UartState s) {
        ier = s.ier();
        lcr = s.lcr();
        mcr = s.mcr();
        lsr = s.lsr();
        msr = s.msr();
        scr = s.scr();
        fcr = s.fcr();
        divider = s.divider();
        rbr = s.rbr();
        thrInterrupt = s.thrInterrupt();
        rxFifo.clear();
        for (byte b : s.rxFifo()) {
            rxFifo.add(b);
        }
        hostInput.clear();
        for (byte b : s.hostInput()) {
            hostInput.add(b);
        }
    }

    private static void checkRange(String what, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException("UART " + what + " state " + value + " is outside 0.." + max);
        }
    }

    /** A fixed-capacity FIFO of bytes. */
    private static final class ByteRing {
        private final byte[] data;
        private int head;
        private int size;

        ByteRing(int capacity) {
            data = new byte[capacity];
        }

        boolean isEmpty() {
            return size == 0;
        }

        boolean isFull() {
            return size == data.length;
        }

        int size() {
            return size;
        }

        void add(byte b) {
            data[(head + size) % data.length] = b;
            size++;
        }

        byte remove() {
            byte b = data[head];
            head = (head + 1) % data.length;
            size--;
            return b;
        }

        void clear() {
            head = 0;
            size = 0;
        }

        byte[] toArray() {
            byte[] out = new byte[size];
            for (int i = 0; i < size; i++) {
                out[i] = data[(head + i) % data.length];
            }
            return out;
        }
    }
}
