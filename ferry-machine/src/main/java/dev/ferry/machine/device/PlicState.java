package dev.ferry.machine.device;

/**
 * Saved state of the {@link Plic}. Bit {@code i % 32} of word {@code i / 32} stands for source {@code i}.
 *
 * @param priority  priority register of each source id, {@link Plic#PRIORITY_REGISTERS} entries (index 0 is
 *                  always 0), each 0 to 7
 * @param pending   pending bits, {@link Plic#WORDS} words
 * @param claimed   bits of sources claimed and not yet completed, {@link Plic#WORDS} words
 * @param enable    enable bits, {@link Plic#WORDS} words per context, context 0 first
 * @param threshold priority threshold of each context, 0 to 7
 */
public record PlicState(int[] priority, int[] pending, int[] claimed, int[] enable, int[] threshold) {
}
