package dev.ferry.migration.policy;

/**
 * Auto-converge: slows the vCPU down when it dirties memory about as fast as pre-copy sends it, with QEMU's
 * rule. A round counts as "dirtying too fast" when the pages it dirtied reach half the pages it sent (pages, not
 * bytes: encodings shrink the bytes sent, not the pages). Two such rounds in a row, or a stall of pre-copy with
 * the THROTTLE action, start throttling at 20 %; from then on each further such round (or stall) adds 10 %, up
 * to 90 %. The throttle never goes down during a migration.
 *
 * <p>Throttling is allowed from the start when the user turned auto-converge on; otherwise only after a stall
 * with the THROTTLE action.
 */
public final class AutoConverge {

    /** Percent of the first throttle step. */
    public static final int FIRST_PERCENT = 20;
    /** Percent added by each further step. */
    public static final int STEP_PERCENT = 10;
    /** The highest throttle, in percent. */
    public static final int MAX_PERCENT = 90;
    /** Rounds dirtying too fast in a row that start the throttle. */
    public static final int ROUNDS_TO_START = 2;
    private boolean allowed;
    private int percent;
    private int fastRounds;

    /** A rule that may throttle from the start when {@code allowed}, else only after {@link #onStall}. */
    public AutoConverge(boolean allowed) {
        this.allowed = allowed;
    }

    /** Whether the round dirtied at least half as many pages as it sent. */
    public static boolean dirtiesTooFast(RoundFigures f) {
        long dirtied = f.pagesDirtied();
        return dirtied > 0 && 2 * dirtied >= f.pagesSent();
    }

    /** Judges one round; true when the throttle was raised. */
    public boolean afterRound(RoundFigures f) {
        fastRounds = dirtiesTooFast(f) ? fastRounds + 1 : 0;
        if (!allowed || fastRounds == 0) {
            return false;
        }
        if (percent == 0 && fastRounds < ROUNDS_TO_START) {
            return false;
        }
        return raise();
    }

    /** Pre-copy stalled with the THROTTLE action: throttling is allowed from now on and goes up a step. */
    public boolean onStall() {
        allowed = true;
        return raise();
    }

    private boolean raise() {
        int next = percent == 0 ? FIRST_PERCENT : Math.min(MAX_PERCENT, percent + STEP_PERCENT);
        fastRounds = 0;
        if (next == percent) {
            return false;
        }
        percent = next;
        return true;
    }

    /** Whether the throttle is at its highest step. */
    public boolean atMaximum() {
        return percent >= MAX_PERCENT;
    }

    /** The throttle to apply (0..1). */
    public double throttle() {
        return percent / 100.0;
    }
}
