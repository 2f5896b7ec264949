package dev.ferry.machine.device.net;

/**
 * Where a virtual network interface's frames go and come from: a TAP device ({@link TapBackend}), nothing
 * ({@link NullNetBackend}), or the network layer's switch port. Frames are whole Ethernet frames without a
 * virtio header or frame check sequence.
 *
 * <p>{@link #send} is called on the vCPU thread and must not block for long (drop rather than wait). Received frames
 * go to the attached {@link FrameReceiver} from any thread; the device queues them and hands them to the guest on
 * the vCPU thread.
 */
public interface NetBackend extends AutoCloseable {

    /** Receives frames from the network. Thread-safe; must copy what it keeps (the buffer is reused). */
    @FunctionalInterface
    interface FrameReceiver {
        /** One frame: {@code len} bytes of {@code frame} from {@code off}. */
        void receive(byte[] frame, int off, int len);
    }

    /** Sends one frame the guest transmitted. */
    void send(byte[] frame, int off, int len);

    /** Starts delivering received frames to {@code receiver} (replacing any earlier one). */
    void attach(FrameReceiver receiver);

    /** Stops delivering frames; none arrives after this returns. */
    void detach();

    /** Detaches and releases the back end's resources. Idempotent. */
    @Override
    void close();
}
