package dev.ferry.machine.cpu.fpu;

/**
 * The accrued exception flags of a sequence of floating-point operations, in the bit layout of RISC-V's
 * {@code fflags} (NV DZ OF UF NX). Operations OR their flags into it, as IEEE 754 sticky flags; the caller
 * clears it before and reads it after. Rounding-mode numbers are RISC-V's {@code rm} encodings.
 */
public final class FpStatus {

    /** Inexact. */
    public static final int NX = 1;
    /** Underflow (tiny after rounding and inexact). */
    public static final int UF = 2;
    /** Overflow. */
    public static final int OF = 4;
    /** Division by zero. */
    public static final int DZ = 8;
    /** Invalid operation. */
    public static final int NV = 16;

    /** Round to nearest, ties to even. */
    public static final int RNE = 0;
    /** Round towards zero. */
    public static final int RTZ = 1;
    /** Round down (towards minus infinity). */
    public static final int RDN = 2;
    /** Round up (towards plus infinity). */
    public static final int RUP = 3;
    /** Round to nearest, ties away from zero. */
    public static final int RMM = 4;

    /** The flags raised so far. */
    public int flags;

    /** Adds {@code f} to the accrued flags. */
    public void raise(int f) {
        flags |= f;
    }
}
