package dev.ferry.sim.run;

/**
 * A run's summary, as summary.json holds it. Everything but {@code run} depends on the scenario and seed alone;
 * {@code run} is how long it took on this machine.
 *
 * @param scenario             the scenario's name
 * @param seed                 its seed
 * @param hosts                hosts
 * @param vms                  VMs
 * @param simulatedHours       simulated time
 * @param energyKwh            the cluster's energy (the cluster's {@code EnergyMeter} over the samples)
 * @param migrations           migrations that moved their VM
 * @param migrationsAborted    migrations the engine's policy gave up
 * @param movesCancelled       queued moves dropped at start (VM elsewhere, target no longer on)
 * @param movesWaitingAtEnd    moves still queued at the end
 * @param totalDowntimeSeconds downtime summed over migrations
 * @param migrationGib         bytes the migrations sent, GiB
 * @param meanActiveHosts      hosts on, averaged over the samples
 * @param overloadHostHours    hours hosts spent over 100% CPU demand, summed
 * @param slatah               SLA violation time per active host (0..1)
 * @param pdm                  performance degradation due to migrations (0..1)
 * @param slav                 SLATAH x PDM
 * @param costModelRuns        predictions the cost model actually computed
 * @param events               events the queue ran
 * @param run                  wall-clock figures of this run (not deterministic)
 */
public record Summary(String scenario, long seed, int hosts, int vms, double simulatedHours, double energyKwh,
        long migrations, long migrationsAborted, int movesCancelled, int movesWaitingAtEnd,
        double totalDowntimeSeconds, double migrationGib, double meanActiveHosts, double overloadHostHours,
        double slatah, double pdm, double slav, long costModelRuns, long events, RunFigures run) {

    /**
     * How the run went on this machine.
     *
     * @param wallSeconds      from reading the scenario to the summary
     * @param policySeconds    in the cluster policies
     * @param costModelSeconds in the migration cost model
     * @param heapPeakMib      the heap pools' peak use, summed (an upper bound of the peak heap)
     * @param heapMaxMib       the JVM's heap limit
     */
    public record RunFigures(double wallSeconds, double policySeconds, double costModelSeconds, double heapPeakMib,
            double heapMaxMib) {
    }

    /** The summary of {@code r}. */
    public static Summary of(String scenario, long seed, SimResult r, RunFigures run) {
        double slatah = r.slatah();
        double pdm = r.pdm();
        return new Summary(scenario, seed, r.hosts().size(), r.vms().size(), r.config().durationMillis() / 3.6e6,
                r.energyKwh(), r.completedMigrations(), r.migrations().size() - r.completedMigrations(),
                r.cancelled(), r.waitingAtEnd(), r.totalDowntimeSeconds(), r.migrationBytes() / (double) (1L << 30),
                r.meanActiveHosts(), r.overloadHostHours(), slatah, pdm, slatah * pdm, r.predictionsComputed(),
                r.events(), run);
    }
}
