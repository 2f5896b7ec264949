package dev.ferry.sim.run;

/**
 * The data centre at one sample, as timeline.csv lists it.
 *
 * @param atMillis          the moment
 * @param activeHosts       hosts on
 * @param overloadedHosts   hosts on with more CPU demand than cores
 * @param watts             the cluster's power (the energy meter's figure)
 * @param plannedMoves      moves the policies asked for at this sample
 * @param running           migrations running after the sample's moves started
 * @param waiting           moves waiting in the queue
 */
public record Sample(long atMillis, int activeHosts, int overloadedHosts, double watts, int plannedMoves,
        int running, int waiting) {
}
