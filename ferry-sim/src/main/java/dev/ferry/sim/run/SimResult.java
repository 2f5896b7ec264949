package dev.ferry.sim.run;

import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import java.util.List;

/**
 * What a run produced: the hosts and VMs with their counts, every migration, every sample, and the run's totals.
 *
 * @param config              how it ran
 * @param hosts               the hosts, with what was measured on them
 * @param vms                 the VMs, likewise
 * @param migrations          migrations in the order they ended
 * @param samples             one per sample interval
 * @param energyKwh           the cluster's energy as the {@code EnergyMeter} integrated it
 * @param waitingAtEnd        moves still queued at the end
 * @param runningAtEnd        migrations still running at the end
 * @param cancelled           queued moves dropped when they could start (VM elsewhere, target no longer on)
 * @param refused             moves the queue refused (their VM was queued or migrating already)
 * @param standbySkipped      standbys not made (the host was not empty after the plan's moves)
 * @param predictionsComputed cost-model runs (the other migrations reused a prediction)
 * @param events              events the queue ran
 * @param policyNanos         time the cluster policies took (0 without a stopwatch)
 * @param migrationNanos      time the cost model took (0 without a stopwatch)
 */
public record SimResult(SimConfig config, List<SimHost> hosts, List<SimVm> vms, List<MigrationRecord> migrations,
        List<Sample> samples, double energyKwh, int waitingAtEnd, int runningAtEnd, int cancelled, int refused,
        int standbySkipped, long predictionsComputed, long events, long policyNanos, long migrationNanos) {

    /**
     * SLA violation time per active host (Beloglazov's SLATAH): the mean over hosts that were ever on of the share
     * of their time on spent with more CPU demand than cores.
     */
    public double slatah() {
        double sum = 0;
        int n = 0;
        for (SimHost h : hosts) {
            if (h.activeMillis() > 0) {
                sum += (double) h.overloadMillis() / h.activeMillis();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /**
     * Performance degradation due to migrations (PDM): the mean over VMs of the CPU they lost while migrating over
     * the CPU they asked for.
     */
    public double pdm() {
        double sum = 0;
        int n = 0;
        for (SimVm v : vms) {
            if (v.requestedCoreMillis() > 0) {
                sum += v.degradedCoreMillis() / v.requestedCoreMillis();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** Hours any host spent on with more CPU demand than cores, summed over hosts. */
    public double overloadHostHours() {
        return hosts.stream().mapToLong(SimHost::overloadMillis).sum() / 3.6e6;
    }

    /** Migrations that moved their VM. */
    public long completedMigrations() {
        return migrations.stream().filter(m -> !m.aborted()).count();
    }

    /** Seconds of downtime over every migration. */
    public double totalDowntimeSeconds() {
        return migrations.stream().mapToDouble(MigrationRecord::downtimeSeconds).sum();
    }

    /** Bytes sent by every migration. */
    public long migrationBytes() {
        return migrations.stream().mapToLong(MigrationRecord::bytes).sum();
    }

    /** Mean hosts on over the samples. */
    public double meanActiveHosts() {
        return samples.stream().mapToInt(Sample::activeHosts).average().orElse(0);
    }
}
