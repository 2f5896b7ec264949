package dev.ferry.machine.device.virtio;

/** A driver's ring or descriptor is malformed: the device stops processing until reset, as QEMU does. */
public final class VirtqueueException extends Exception {

    /** A malformed-ring error with a message for the log. */
    public VirtqueueException(String message) {
        super(message, null, false, false);
    }
}
