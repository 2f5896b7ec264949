package dev.ferry.machine.device;

/**
 * Saved state of the {@link Clint}. {@code mtime} is not part of it: it belongs to the machine's
 * {@link dev.ferry.machine.time.GuestClock}, which the board saves with the CPU.
 *
 * @param msip     the hart's software interrupt bit
 * @param mtimecmp the hart's timer compare value
 */
public record ClintState(boolean msip, long mtimecmp) {
}
