package dev.ferry.host.api;

import dev.ferry.host.http.Exchange;
import java.util.function.Consumer;

/**
 * Logs requests the control API refused for want of the right token: at most one line a second, which counts
 * the refusals it did not show, so a flood of bad requests cannot flood the log.
 */
final class RefusalLog {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final Consumer<String> log;
    private long lastLine = System.nanoTime() - 2 * INTERVAL_NANOS;
    private int unreported;

    RefusalLog(Consumer<String> log) {
        this.log = log;
    }

    /** Notes that {@code ex} was refused because of {@code why}. */
    void refused(Exchange ex, String why) {
        String line;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - lastLine < INTERVAL_NANOS) {
                unreported++;
                return;
            }
            lastLine = now;
            line = "control API: refused " + ex.method() + " " + ex.rawPath() + " from "
                    + HostAddress.format(ex.remote()) + " (" + why + ")"
                    + (unreported == 0 ? "" : "; " + unreported + " more refused since the last such line");
            unreported = 0;
        }
        log.accept(line);
    }
}
