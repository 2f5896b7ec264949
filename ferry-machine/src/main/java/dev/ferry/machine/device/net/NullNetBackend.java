package dev.ferry.machine.device.net;

import java.util.concurrent.atomic.AtomicLong;

/** A network back end with no cable plugged in: transmitted frames are counted and dropped, none arrives. */
public final class NullNetBackend implements NetBackend {

    private final AtomicLong sent = new AtomicLong();

    @Override
    public void send(byte[] frame, int off, int len) {
        sent.incrementAndGet();
    }

    /** Frames the guest transmitted into nothing. */
    public long framesDropped() {
        return sent.get();
    }

    @Override
    public void attach(FrameReceiver receiver) {
    }

    @Override
    public void detach() {
    }

    @Override
    public void close() {
    }
}
