package dev.ferry.machine.device.virtio;

/**
 * The device half of a virtio device: what the {@link VirtioMmioTransport} asks of it. All calls arrive on the
 * vCPU thread (or while it is stopped).
 */
public interface VirtioDevice {

    /** Virtio device id (5 = memory balloon). */
    int deviceId();

    /** Feature bits the device offers, transport bits included. */
    long hostFeatures();

    /** Number of virtqueues. */
    int queueCount();

    /** Size of the device-specific configuration space in bytes. */
    int configSize();

    /** Byte {@code offset} (below {@link #configSize()}) of the configuration space. */
    int readConfig(int offset);

    /**
     * Writes {@code width} bytes of {@code value} (little-endian) at {@code offset} of the configuration space;
     * the range lies inside it. {@code guestFeatures} are the features the driver accepted.
     */
    void writeConfig(int offset, int width, long value, long guestFeatures);

    /**
     * The driver notified queue {@code index}: consume what it made available and return the buffers through
     * {@link Virtqueue#push}; the transport then decides whether to interrupt.
     *
     * @throws VirtqueueException on malformed rings or descriptors; the transport then marks the device broken
     */
    void queueNotified(int index, Virtqueue queue) throws VirtqueueException;

    /** The driver wrote its accepted features (a subset of {@link #hostFeatures()}). */
    default void featuresAccepted(long guestFeatures) {
    }

    /** Device reset (status written 0); the configuration the host set survives it. */
    void reset();
}
