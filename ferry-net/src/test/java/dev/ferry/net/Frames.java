package dev.ferry.net;

import dev.ferry.net.frame.EthernetFrame;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.SwitchPort;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Test frames, a recording port output and a clock the test moves. */
public final class Frames {

    private Frames() {
    }

    public static final MacAddress A = MacAddress.parse("52:54:00:00:00:0a");
    public static final MacAddress B = MacAddress.parse("52:54:00:00:00:0b");
    public static final MacAddress C = MacAddress.parse("52:54:00:00:00:0c");
    public static final MacAddress D = MacAddress.parse("52:54:00:00:00:0d");

    /** A frame of {@code len} bytes from {@code src} to {@code dst}, payload derived from {@code seed}. */
    public static byte[] frame(MacAddress dst, MacAddress src, int len, int seed) {
        byte[] f = new byte[len];
        EthernetFrame.writeHeader(f, 0, dst, src, 0x88b5);
        for (int i = EthernetFrame.HEADER_LENGTH; i < len; i++) {
            f[i] = (byte) (i * 31 + seed);
        }
        return f;
    }

    /** A frame of 64 bytes. */
    public static byte[] frame(MacAddress dst, MacAddress src) {
        return frame(dst, src, 64, 0);
    }

    /** A port output that keeps copies of what it is given, or refuses everything when closed. */
    public static final class Recorder implements SwitchPort.Egress {
        private final List<byte[]> frames = new ArrayList<>();
        private volatile boolean refusing;

        @Override
        public synchronized boolean offer(byte[] frame, int off, int len) {
            if (refusing) {
                return false;
            }
            frames.add(Arrays.copyOfRange(frame, off, off + len));
            return true;
        }

        public synchronized List<byte[]> frames() {
            return List.copyOf(frames);
        }

        public synchronized int count() {
            return frames.size();
        }

        public synchronized void clear() {
            frames.clear();
        }

        public void refuse() {
            refusing = true;
        }
    }

    /** A nanosecond clock the test sets. */
    public static final class FakeClock implements LongSupplier {
        private final AtomicLong now = new AtomicLong(1_000_000_000L);

        @Override
        public long getAsLong() {
            return now.get();
        }

        public void advanceMillis(long ms) {
            now.addAndGet(ms * 1_000_000L);
        }

        public void advanceNanos(long ns) {
            now.addAndGet(ns);
        }
    }
}
