package dev.ferry.machine.memory;

/**
 * Provides pages that are not present in guest memory (the post-copy target's view). Called on the vCPU
 * thread when it touches an absent page, before it blocks; the supplier answers later, from any thread, with
 * {@link GuestMemory#supplyPage}.
 */
@FunctionalInterface
public interface PageSupplier {

    /** The vCPU needs {@code page}; fetch it with priority. Must not block. */
    void pageNeeded(int page);
}
