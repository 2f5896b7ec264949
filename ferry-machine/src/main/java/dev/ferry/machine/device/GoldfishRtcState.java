package dev.ferry.machine.device;

/**
 * Saved state of the {@link GoldfishRtc}.
 *
 * @param tickOffset   nanoseconds added to the time source to give the guest's time
 * @param alarmNext    the alarm time the guest wrote, in guest nanoseconds
 * @param alarmRunning an alarm is armed and has not fired
 * @param irqPending   the alarm fired and the guest has not cleared the interrupt
 * @param irqEnabled   the interrupt is enabled (IRQ_ENABLED bit 0)
 * @param timeHigh     TIME_HIGH as latched by the last TIME_LOW read
 */
public record GoldfishRtcState(long tickOffset, long alarmNext, boolean alarmRunning, boolean irqPending,
        boolean irqEnabled, int timeHigh) {
}
