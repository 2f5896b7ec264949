package dev.ferry.machine.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** QEMU's serial console on its stdio: a reader thread collects the output, {@link #type} writes to the guest. */
final class QemuConsole implements AutoCloseable {

    private final Process process;
    private final long timeoutMs;
    private final ConsoleLog log = new ConsoleLog();
    private final Thread reader;

    QemuConsole(Process process, long timeoutMs) {
        this.process = process;
        this.timeoutMs = timeoutMs;
        this.reader = Thread.ofVirtual().start(this::pump);
    }

    private void pump() {
        try (InputStream in = process.getInputStream()) {
            in.transferTo(log);
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }

    /** What the guest printed so far, with the serial line's carriage returns dropped. */
    String text() {
        return log.text();
    }

    void await(String pattern) throws InterruptedException {
        log.await(pattern, timeoutMs);
    }

    void type(String keys) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write(keys.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    void drain() throws InterruptedException {
        reader.join(5_000);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
