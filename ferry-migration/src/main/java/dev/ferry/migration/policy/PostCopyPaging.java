package dev.ferry.migration.policy;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Which pages move after a post-copy switchover, and when. The target faults on pages it misses; each fault
 * takes the page and up to {@code prepagingRadius} missing, not-yet-sent neighbours on either side (pre-paging),
 * and the background push continues right after that window, so it follows the guest's locality (Hines and
 * Gopalan's pivot). Post-copy pushes from the switchover on; a demand migration pushes only when the user asks or
 * when no fault has come for an idle period, so a guest that never touches its last pages still lets the
 * migration finish (and frees the source).
 *
 * <p>Time comes from the injected nanosecond clock. Not thread-safe: the engine's fault server and push loop
 * serialise their calls.
 */
public final class PostCopyPaging {

    private final int radius;
    private final long idlePushNanos;
    private final LongSupplier clock;
    private BitSet unsent;
    private long unsentCount;
    private int cursor;
    private boolean pushing;
    private long lastFault;

    /**
     * Paging for {@code absent} pages.
     *
     * @param absent          pages the target misses
     * @param prepagingRadius pages on either side of a fault sent with it
     * @param pushFromStart   push in the background from the start (post-copy) or only later (demand)
     * @param idlePushNanos   without a fault for this long, pushing starts anyway
     * @param clock           monotonic nanoseconds
     */
    public PostCopyPaging(BitSet absent, int prepagingRadius, boolean pushFromStart, long idlePushNanos,
            LongSupplier clock) {
        if (prepagingRadius < 0 || idlePushNanos < 0) {
            throw new IllegalArgumentException("the pre-paging radius and the idle period must not be negative");
        }
        this.radius = prepagingRadius;
        this.idlePushNanos = idlePushNanos;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.pushing = pushFromStart;
        restart(absent);
    }

    /** Paging as the options ask: pushing from the start unless the strategy is DEMAND. */
    public static PostCopyPaging forOptions(MigrationOptions options, BitSet absent, LongSupplier clock) {
        return new PostCopyPaging(absent, options.prepagingRadius(), options.strategy() != Strategy.DEMAND,
                options.demandIdlePushMillis() * 1_000_000L, clock);
    }

    /**
     * After a lost connection the target reports again which pages it misses; that report replaces the record of
     * what was sent (pages in flight when the connection broke are missing again). The push keeps its place.
     */
    public void restart(BitSet missing) {
        this.unsent = (BitSet) missing.clone();
        this.unsentCount = missing.cardinality();
        this.lastFault = clock.getAsLong();
    }

    /**
     * The target faulted on {@code page}: the pages to send now — the page itself first unless it was sent
     * already (it is on its way: sending it twice would only spend bandwidth), then the missing, not-yet-sent
     * pages within the radius, nearest first, the one after before the one before. The push continues right after
     * the window.
     */
    public int[] fault(int page) {
        if (page < 0) {
            throw new IllegalArgumentException("page numbers are not negative, got " + page);
        }
        lastFault = clock.getAsLong();
        int[] pages = new int[1 + 2 * radius];
        int n = 0;
        if (take(page)) {
            pages[n++] = page;
        }
        for (int d = 1; d <= radius; d++) {
            if (d <= Integer.MAX_VALUE - page && take(page + d)) {
                pages[n++] = page + d;
            }
            if (page - d >= 0 && take(page - d)) {
                pages[n++] = page - d;
            }
        }
        cursor = (int) Math.min(Integer.MAX_VALUE, (long) page + radius + 1);
        return Arrays.copyOf(pages, n);
    }

    /**
     * Whether the background push runs now: from the start for post-copy; for a demand migration once the user
     * asked or no fault has come for the idle period. Once started, it does not stop.
     */
    public boolean pushing() {
        if (!pushing && clock.getAsLong() - lastFault >= idlePushNanos) {
            pushing = true;
        }
        return pushing;
    }

    /** Nanoseconds until a demand migration starts pushing by itself, if no fault comes; 0 when pushing. */
    public long nanosUntilPush() {
        return pushing() ? 0 : idlePushNanos - (clock.getAsLong() - lastFault);
    }

    /** The user asks to push the rest now. */
    public void requestPush() {
        pushing = true;
    }

    /**
     * The next page for the background push, marked sent: the first missing, unsent page at or after the place
     * the push (or the last fault's window) reached, wrapping around once; -1 when not pushing or nothing is left.
     */
    public int nextPush() {
        if (unsentCount == 0 || !pushing()) {
            return -1;
        }
        int p = unsent.nextSetBit(cursor);
        if (p < 0) {
            p = unsent.nextSetBit(0);
        }
        take(p);
        cursor = p + 1;
        return p;
    }

    /** Missing pages not sent yet. */
    public long remaining() {
        return unsentCount;
    }

    /** Whether every missing page has been sent. */
    public boolean complete() {
        return unsentCount == 0;
    }

    /** Marks {@code p} sent; whether it was missing and unsent until now. */
    private boolean take(int p) {
        if (!unsent.get(p)) {
            return false;
        }
        unsent.clear(p);
        unsentCount--;
        return true;
    }
}
