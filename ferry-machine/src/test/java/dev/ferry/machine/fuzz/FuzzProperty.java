package dev.ferry.machine.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The property every fuzz target of Ferry checks: the code under test either succeeds or throws one of the
 * exception types it documents for bad input (a {@code ProtocolException}, {@code StateFormatException}, ...), and
 * it allocates a bounded amount of heap on the way. Anything else that comes out (a {@code RuntimeException}, an
 * {@code OutOfMemoryError}, an {@code AssertionError}) is a finding.
 */
public final class FuzzProperty {

    /** The code under test. */
    @FunctionalInterface
    public interface Target {
        /** Runs it on one input. */
        void run() throws Exception;
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzProperty() {
    }

    /**
     * Tells Jazzer's request-forgery detector that connections to loopback are the fuzz target's own (its sockets
     * to an in-process server), while any other connection stays a finding. Called on every input: Jazzer resets
     * its detectors when it starts fuzzing, and before the fuzzer's agent is there it has nothing to tell.
     */
    public static void allowLoopbackConnections() {
        try {
            BugDetectors.allowNetworkConnections((host, port) -> host.equals("127.0.0.1") || host.equals("localhost"));
        } catch (IllegalStateException detectorsNotLoaded) {
            // regression inputs before the detectors are in place: nothing to allow
        }
    }

    /**
     * Runs {@code target}: exceptions of the {@code allowed} types are the documented outcome and are swallowed,
     * anything else propagates; the heap this thread allocates must stay under {@code maxHeapBytes}.
     */
    public static void holds(long maxHeapBytes, List<Class<? extends Throwable>> allowed, Target target)
            throws Exception {
        long allocated = run(allowed, target);
        if (allocated > maxHeapBytes) {
            // Loading (and, while fuzzing, instrumenting) the classes a new path needs allocates in this thread
            // too: only an input that allocates too much a second time counts.
            allocated = run(allowed, target);
            if (allocated > maxHeapBytes) {
                throw new AssertionError("allocated " + allocated + " bytes of heap for one input (limit "
                        + maxHeapBytes + ")");
            }
        }
    }

    private static long run(List<Class<? extends Throwable>> allowed, Target target) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            target.run();
        } catch (Exception e) {
            if (allowed.stream().noneMatch(t -> t.isInstance(e))) {
                throw e;
            }
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a " + e.getClass().getSimpleName() + " without a message", e);
            }
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
