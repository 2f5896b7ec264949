/**
 * IEEE 754 binary32/binary64 arithmetic as RISC-V's F and D extensions and QEMU 7.2 compute it, on raw bit
 * patterns: every rounding mode, the five accrued flags in {@link dev.ferry.machine.cpu.fpu.FpStatus} (tininess
 * after rounding), canonical NaNs, fmin/fmax as minimumNumber/maximumNumber, saturating integer conversions.
 *
 * <p>{@link dev.ferry.machine.cpu.fpu.F64} and {@link dev.ferry.machine.cpu.fpu.F32} are pure static functions.
 * Each first tries Java's own arithmetic, which rounds to nearest-even and raises no flags, where exact error
 * terms prove the result and its flags (two-sum, fused residuals, binary64 holding binary32 products exactly);
 * the rest goes to {@code SoftFloat}, which computes the exact value with big integers and rounds it once.
 */
package dev.ferry.machine.cpu.fpu;
