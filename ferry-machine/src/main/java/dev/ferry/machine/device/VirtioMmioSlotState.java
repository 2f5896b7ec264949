package dev.ferry.machine.device;

/** State of an empty {@link VirtioMmioSlot}: none; the record exists so every device saves the same way. */
public record VirtioMmioSlotState() {
}
