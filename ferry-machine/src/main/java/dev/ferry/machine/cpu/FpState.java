package dev.ferry.machine.cpu;

import java.util.Arrays;
import java.util.Objects;

/**
 * The F/D register file for save/restore: the 32 registers as raw 64-bit patterns (binary32 values NaN-boxed)
 * and {@code fcsr} (frm in bits 5-7, fflags in bits 0-4).
 *
 * @param f the 32 floating-point registers
 * @param fcsr the floating-point control and status register, 8 bits
 */
public record FpState(long[] f, int fcsr) {

    /** Value equality, comparing the registers by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FpState s && Arrays.equals(f, s.f) && fcsr == s.fcsr;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(f), fcsr);
    }

    @Override
    public String toString() {
        return String.format("FpState[fcsr=0x%x, f=%s]", fcsr, Arrays.toString(f));
    }
}
