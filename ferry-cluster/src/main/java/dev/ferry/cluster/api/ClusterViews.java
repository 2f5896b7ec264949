package dev.ferry.cluster.api;

import java.util.List;

/** The JSON shapes of the manager's API (snake_case on the wire). */
public final class ClusterViews {

    private ClusterViews() {
    }

    /**
     * The cluster at a glance.
     *
     * @param hosts             hosts known
     * @param hostsOn           hosts on
     * @param hostsStandby      hosts in standby (counted as powered down)
     * @param hostsFailed       hosts that lost their lease
     * @param hostsMaintenance  hosts drained or draining
     * @param vms               VMs running in the cluster
     * @param migrationsRunning migrations running
     * @param migrationsQueued  migrations waiting for a slot
     * @param powerWatts        the cluster's power draw now, by the power model
     * @param energyKwh         energy used since the manager started
     */
    public record Status(int hosts, int hostsOn, int hostsStandby, int hostsFailed, int hostsMaintenance, int vms,
            int migrationsRunning, int migrationsQueued, double powerWatts, double energyKwh) {
    }

    /**
     * One host.
     *
     * @param name          its name
     * @param address       its control API
     * @param power         on, standby or failed
     * @param maintenance   drained or draining
     * @param cores         cores it offers
     * @param memoryBytes   RAM it offers
     * @param cpuUsed       cores its VMs keep busy
     * @param memoryUsed    RAM its VMs reserve
     * @param vms           VMs on it
     * @param lastReportMs  milliseconds since its last report
     */
    public record Host(String name, String address, String power, boolean maintenance, double cores,
            long memoryBytes, double cpuUsed, long memoryUsed, int vms, long lastReportMs) {
    }

    /**
     * One VM.
     *
     * @param name           its name
     * @param host           where it runs
     * @param state          running, paused, ...
     * @param ramBytes       its RAM
     * @param touchedBytes   RAM it has written
     * @param cpuBusy        its vCPU's busy share
     * @param dirtyPagesPerS pages it dirties per second
     * @param migration      the cluster migration moving it, or absent
     */
    public record Vm(String name, String host, String state, long ramBytes, long touchedBytes, double cpuBusy,
            Double dirtyPagesPerS, String migration) {
    }

    /**
     * One migration the manager ran or runs.
     *
     * @param id             the manager's id
     * @param vm             the VM
     * @param from           source host
     * @param to             target host
     * @param reason         the policy's reason
     * @param state          queued, running, done, failed
     * @param hostMigration  the source host's id of it
     * @param phase          the engine's phase while running
     * @param round          its round
     * @param remainingPages pages left to send
     * @param predictedTotalMs    total time the cost model predicted when the move was queued
     * @param predictedDowntimeMs downtime the cost model predicted
     * @param downtimeMs     downtime, once done
     * @param totalTimeMs    total time, once done
     * @param error          why it failed
     */
    public record Migration(String id, String vm, String from, String to, String reason, String state,
            String hostMigration, String phase, int round, long remainingPages, Double predictedTotalMs,
            Double predictedDowntimeMs, Double downtimeMs, Double totalTimeMs, String error) {
    }

    /**
     * A plan the manager started.
     *
     * @param moves      the migrations asked for
     * @param power      the power changes after them
     * @param notes      the policy's notes
     * @param migrations the ids of the migrations started
     */
    public record PlanStarted(List<String> moves, List<String> power, List<String> notes, List<String> migrations) {
    }

    /**
     * A VM the manager placed and created.
     *
     * @param name its name
     * @param host where it runs
     */
    public record Placed(String name, String host) {
    }
}
