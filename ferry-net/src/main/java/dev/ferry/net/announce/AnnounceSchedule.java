package dev.ferry.net.announce;

/**
 * When a moved VM is announced, as QEMU's {@code announce-self} (and its migration parameters
 * {@code announce-initial}, {@code announce-max}, {@code announce-rounds}, {@code announce-step}) does it: the first
 * round goes out at once, and the gap before round {@code k >= 1} is {@code initial + (k - 1) * step} milliseconds,
 * at most {@code max}. With QEMU's defaults the gaps are 50, 150, 250 and 350 ms: five rounds within 800 ms,
 * dense at first, when the switches' tables are most likely stale. Plain policy, no threads.
 *
 * @param initialMillis gap before the second round
 * @param maxMillis     largest gap
 * @param rounds        rounds in all
 * @param stepMillis    how much each gap grows
 */
public record AnnounceSchedule(long initialMillis, long maxMillis, int rounds, long stepMillis) {

    /** QEMU's defaults: 50 ms initial, 550 ms max, 5 rounds, 100 ms step. */
    public static final AnnounceSchedule QEMU_DEFAULT = new AnnounceSchedule(50, 550, 5, 100);

    /** Checks that the figures make a schedule. */
    public AnnounceSchedule {
        if (initialMillis < 0 || maxMillis < 0 || rounds < 1 || stepMillis < 0) {
            throw new IllegalArgumentException("an announce schedule needs at least one round and no negative"
                    + " delay: initial " + initialMillis + ", max " + maxMillis + ", rounds " + rounds
                    + ", step " + stepMillis);
        }
    }

    /** Milliseconds to wait before round {@code round} (0-based; round 0 goes out at once). */
    public long delayBeforeRound(int round) {
        if (round < 0 || round >= rounds) {
            throw new IllegalArgumentException("round " + round + " is not one of 0.." + (rounds - 1));
        }
        if (round == 0) {
            return 0;
        }
        return Math.min(maxMillis, initialMillis + (round - 1) * stepMillis);
    }

    /** When each round goes out, in milliseconds from the start. */
    public long[] offsetsMillis() {
        long[] at = new long[rounds];
        for (int r = 1; r < rounds; r++) {
            at[r] = at[r - 1] + delayBeforeRound(r);
        }
        return at;
    }
}
