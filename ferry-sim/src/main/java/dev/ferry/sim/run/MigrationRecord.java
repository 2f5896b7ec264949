package dev.ferry.sim.run;

/**
 * One migration the run started, as migrations.csv lists it.
 *
 * @param vm              the VM
 * @param from            source host
 * @param to              target host
 * @param reason          the policy's reason
 * @param startMillis     when it started
 * @param endMillis       when it ended
 * @param linkBytesPerSec the link share it got
 * @param downtimeSeconds the pause
 * @param bytes           bytes sent
 * @param rounds          pre-copy rounds
 * @param outcome         the engine policy's final reason
 * @param aborted         whether the VM stayed on the source
 */
public record MigrationRecord(String vm, String from, String to, String reason, long startMillis, long endMillis,
        double linkBytesPerSec, double downtimeSeconds, long bytes, int rounds, String outcome, boolean aborted) {
}
