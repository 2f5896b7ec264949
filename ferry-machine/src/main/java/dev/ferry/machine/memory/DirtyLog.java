package dev.ferry.machine.memory;

/**
 * The claim on guest memory's dirty log. Only one party at a time may log dirty pages (a migration, or the
 * host sampling a dirty rate); it claims the log with {@link GuestMemory#claimDirtyLog}, harvests it, and
 * {@link #close() closes} the claim, which switches logging off. Every method runs with the vCPU stopped or
 * at a safepoint, so no store slips between a harvest and the next round.
 */
public final class DirtyLog implements AutoCloseable {

    private final GuestMemory memory;
    private final String owner;
    private boolean closed;

    DirtyLog(GuestMemory memory, String owner) {
        this.memory = memory;
        this.owner = owner;
    }

    /** Who holds the claim. */
    public String owner() {
        return owner;
    }

    /**
     * Returns the pages written since the claim or the previous harvest and starts a new round: the dirty pages
     * lose fast write access, so the next store to each is logged again.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public DirtyBitmap harvest() {
        if (closed) {
            throw new IllegalStateException("the dirty log claim of " + owner + " is closed");
        }
        return memory.fetchAndClearDirtyLog();
    }

    /** Switches logging off and releases the claim. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            memory.releaseDirtyLog(this);
        }
    }
}
