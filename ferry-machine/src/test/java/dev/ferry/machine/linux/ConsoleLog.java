package dev.ferry.machine.linux;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A guest's console output as it arrives, for tests that wait for a line: an {@link OutputStream} a machine (or a
 * thread reading QEMU) writes into, and {@link #await} for the text to appear.
 */
final class ConsoleLog extends OutputStream {

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
        output.write(b);
        notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        output.write(b, off, len);
        notifyAll();
    }

    /** What the guest printed so far, with the serial line's carriage returns dropped. */
    synchronized String text() {
        return output.toString(StandardCharsets.UTF_8).replace("\r", "");
    }

    /** Waits until the text contains {@code pattern}; fails with the text so far after {@code timeoutMs}. */
    synchronized void await(String pattern, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!text().contains(pattern)) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new AssertionError("no \"" + pattern + "\" on the console within " + timeoutMs + " ms:\n"
                        + text());
            }
            wait(left);
        }
    }
}
