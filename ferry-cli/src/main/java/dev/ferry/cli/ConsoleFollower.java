package dev.ferry.cli;

import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/** Follows one VM's console on one host for the demos, printing whole lines as they come, with a label. */
final class ConsoleFollower {

    private final HostClient host;
    private final String vm;
    private final String label;
    private final PrintStream out;
    private final StringBuilder partial = new StringBuilder();
    private long offset;
    private boolean quiet;

    ConsoleFollower(HostClient host, String vm, String label, PrintStream out) {
        this.host = host;
        this.vm = vm;
        this.label = label;
        this.out = out;
    }

    /** Whether lines are printed (they are unless told otherwise); lines are still read and matched. */
    ConsoleFollower quiet(boolean on) {
        this.quiet = on;
        return this;
    }

    /**
     * Reads the console until {@code count} more lines matching {@code wanted} have come; returns the last one.
     *
     * @throws UserError naming {@code what} if they do not come within {@code timeout}
     */
    String until(Predicate<String> wanted, int count, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        String last = null;
        while (seen < count) {
            if (System.nanoTime() > deadline) {
                throw new UserError("VM " + vm + " did not show " + what + " within " + timeout.toSeconds() + " s");
            }
            HttpResponse<byte[]> r = host.getBytes("/v1/vms/" + vm + "/console?offset=" + offset + "&wait_ms=500",
                    Duration.ofSeconds(10));
            offset = r.headers().firstValue("X-Ferry-Next-Offset").map(Long::parseLong).orElse(offset);
            partial.append(new String(r.body(), StandardCharsets.UTF_8).replace("\r", ""));
            int nl;
            while (seen < count && (nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                if (!quiet) {
                    out.println("   [" + label + "] " + line);
                }
                if (wanted.test(line)) {
                    seen++;
                    last = line;
                }
            }
        }
        return last;
    }
}
