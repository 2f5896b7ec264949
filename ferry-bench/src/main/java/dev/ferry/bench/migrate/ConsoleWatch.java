package dev.ferry.bench.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A guest console that discards its output but notices when a given line appears, so that a benchmark can wait
 * until the guest has established its working set (munch's {@code pass 1}, idle's {@code sleeping}).
 */
final class ConsoleWatch extends OutputStream {

    private final byte[] marker;
    private final CountDownLatch seen = new CountDownLatch(1);
    private int matched;

    ConsoleWatch(String marker) {
        this.marker = marker.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public synchronized void write(int b) {
        if (seen.getCount() == 0) {
            return;
        }
        if ((byte) b == marker[matched]) {
            matched++;
        } else {
            matched = (byte) b == marker[0] ? 1 : 0;
        }
        if (matched == marker.length) {
            seen.countDown();
        }
    }

    /** Copies {@code in} into this watch on a daemon thread until it ends (a process' standard output). */
    void pump(InputStream in, String threadName) {
        Thread t = new Thread(() -> {
            try (in) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    write(buf, 0, n);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
    }

    /** True once the marker appeared, waiting up to {@code millis}. */
    boolean await(long millis) throws InterruptedException {
        return seen.await(millis, TimeUnit.MILLISECONDS);
    }
}
