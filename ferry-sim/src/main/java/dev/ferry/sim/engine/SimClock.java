package dev.ferry.sim.engine;

/**
 * The simulated time in milliseconds since the start of a run. Only the event queue moves it, and only forward:
 * nothing in the simulator reads the wall clock, so a run depends on its scenario and seed alone.
 */
public final class SimClock {

    private long nowMillis;

    /** The current simulated time. */
    public long nowMillis() {
        return nowMillis;
    }

    /** Moves the clock to {@code millis}; refuses to go back. */
    void advanceTo(long millis) {
        if (millis < nowMillis) {
            throw new IllegalStateException("time goes back from " + nowMillis + " ms to " + millis + " ms");
        }
        nowMillis = millis;
    }
}
