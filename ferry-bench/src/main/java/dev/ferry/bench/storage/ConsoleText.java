package dev.ferry.bench.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A QEMU guest's console as text: a daemon thread copies the process' standard output into it, keeping the last
 * 1 MiB, so the benchmark can wait for a line and read the writer's acknowledgements.
 */
final class ConsoleText {

    private static final int KEEP = 1 << 20;

    private final StringBuilder text = new StringBuilder();

    /** Copies {@code in} into this console on a daemon thread until it ends. */
    static ConsoleText pump(InputStream in, String threadName) {
        ConsoleText c = new ConsoleText();
        Thread t = new Thread(() -> {
            try (in) {
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    c.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return c;
    }

    private synchronized void append(String s) {
        text.append(s);
        if (text.length() > KEEP) {
            text.delete(0, text.length() - KEEP);
        }
        notifyAll();
    }

    /** Everything kept so far. */
    synchronized String text() {
        return text.toString();
    }

    /** True once the text satisfies {@code condition}, waiting up to {@code millis}. */
    synchronized boolean await(Predicate<String> condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.test(text.toString())) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
