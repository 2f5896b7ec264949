package dev.ferry.sim.model;

/**
 * The hosts' network links: each host has one link of {@code bytesPerSec}, shared evenly by the migrations
 * running out of or into it. A migration gets the smaller share of its two hosts' links at the moment it starts
 * and keeps it (the model does not re-share bandwidth while a migration runs).
 */
public final class HostLinks {

    private final double bytesPerSec;
    private final int[] running;

    /** Links of {@code bytesPerSec} for {@code hosts} hosts. */
    public HostLinks(double bytesPerSec, int hosts) {
        if (!(bytesPerSec > 0)) {
            throw new IllegalArgumentException("link rate must be positive");
        }
        this.bytesPerSec = bytesPerSec;
        this.running = new int[hosts];
    }

    /** The link rate of one host. */
    public double bytesPerSec() {
        return bytesPerSec;
    }

    /** The rate a migration from {@code from} to {@code to} would get if it started now. */
    public double share(int from, int to) {
        return bytesPerSec / (Math.max(running[from], running[to]) + 1);
    }

    /** A migration from {@code from} to {@code to} starts. */
    public void open(int from, int to) {
        running[from]++;
        running[to]++;
    }

    /** A migration from {@code from} to {@code to} ends. */
    public void close(int from, int to) {
        if (running[from] == 0 || running[to] == 0) {
            throw new IllegalStateException("no migration runs between hosts " + from + " and " + to);
        }
        running[from]--;
        running[to]--;
    }

    /** Migrations using host {@code h}'s link. */
    public int running(int h) {
        return running[h];
    }
}
