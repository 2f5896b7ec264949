package dev.ferry.machine.device;

/**
 * One wire from a device to an interrupt controller input (for example PLIC source 10 for the UART). A device
 * drives it with its current level whenever its interrupt condition is re-evaluated. Thread-safe.
 */
@FunctionalInterface
public interface InterruptLine {

    /** A line that goes nowhere, for devices used without an interrupt controller. */
    InterruptLine NONE = high -> { };

    /** Drives the line to {@code high}. */
    void setLevel(boolean high);
}
