package dev.ferry.sim.scenario;

import java.util.List;

/**
 * A scenario as its YAML file spells it (see docs/simulator.md). Sizes are written as {@code 64G}, link rates in
 * bits per second as {@code 10G}, times as {@code 24h}, {@code 5m}, {@code 30s}. Unknown keys are refused.
 *
 * @param name     shown in the summary
 * @param seed     the one seed every random draw comes from
 * @param duration simulated time
 * @param sample   interval between samples: loads change, policies run, energy is metered
 * @param hosts    the hosts
 * @param vms      the VMs
 * @param policy   the policies' parameters
 */
public record Scenario(String name, long seed, String duration, String sample, Hosts hosts, Vms vms,
        Policy policy) {

    /**
     * Identical hosts.
     *
     * @param count  how many
     * @param cores  cores each
     * @param memory RAM each
     * @param link   each host's link, bits per second
     * @param power  watts
     */
    public record Hosts(int count, double cores, String memory, String link, Power power) {
    }

    /**
     * A linear power model.
     *
     * @param idle    watts on and idle
     * @param max     watts at full load
     * @param standby watts in standby
     */
    public record Power(double idle, double max, double standby) {
    }

    /**
     * VMs; each draws its RAM and dirty rate from the choices, uniformly.
     *
     * @param count            how many
     * @param vcpus            vCPUs each (a utilisation of 100% demands that many cores)
     * @param memory           RAM choices
     * @param workingSet       share of its RAM a VM keeps writing (0..1)
     * @param dirtyPagesPerSec dirty-rate choices, pages per second
     * @param trace            where utilisation comes from
     */
    public record Vms(int count, double vcpus, List<String> memory, double workingSet, List<Double> dirtyPagesPerSec,
            Trace trace) {
    }

    /**
     * One of: synthetic traces, or a directory of PlanetLab files (relative to the scenario file).
     *
     * @param synthetic the generator's statistics
     * @param planetlab the directory
     */
    public record Trace(Synthetic synthetic, String planetlab) {
    }

    /**
     * Synthetic traces, in percent.
     *
     * @param mean           mean utilisation across VMs
     * @param stddev         spread of the VMs' levels
     * @param dailyAmplitude height of the daily sine
     * @param noise          sample-to-sample noise
     */
    public record Synthetic(double mean, double stddev, double dailyAmplitude, double noise) {
    }

    /**
     * The policies.
     *
     * @param consolidation run at every sample
     * @param loadBalancing run after it, if given
     * @param migrations    the queue's limits and the engine strategy
     * @param pdmShare      share of a VM's demand lost while it migrates (default 0.1)
     */
    public record Policy(Consolidation consolidation, LoadBalancing loadBalancing, Migrations migrations,
            Double pdmShare) {
    }

    /**
     * Consolidation thresholds (utilisation 0..1).
     *
     * @param lower hosts below are emptied when they can be
     * @param upper hosts above shed VMs
     */
    public record Consolidation(double lower, double upper) {
    }

    /**
     * Load balancing.
     *
     * @param threshold utilisation
     * @param window    how long above it before a host sheds
     */
    public record LoadBalancing(double threshold, String window) {
    }

    /**
     * Migrations.
     *
     * @param perHost  at once per host (default 2)
     * @param perLink  at once between two hosts (default 1)
     * @param strategy precopy, postcopy, hybrid or stopcopy (default precopy)
     */
    public record Migrations(Integer perHost, Integer perLink, String strategy) {
    }
}
