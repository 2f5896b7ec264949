package dev.ferry.migration.target;

import dev.ferry.machine.memory.PageSupplier;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The post-copy target's page faults: queues a request for every page the vCPU waits for (the vCPU must not
 * block on the network) and measures how long each wait lasted, from the fault until the page was installed.
 */
final class FaultTracker implements PageSupplier {

    private final ConcurrentHashMap<Integer, Long> waiting = new ConcurrentHashMap<>();
    private final BlockingQueue<Integer> requests = new LinkedBlockingQueue<>();
    private long faults;
    private double totalMs;
    private double maxMs;

    @Override
    public void pageNeeded(int page) {
        if (waiting.putIfAbsent(page, System.nanoTime()) == null) {
            requests.add(page);
        }
    }

    /** Requests to send, in fault order. */
    BlockingQueue<Integer> requests() {
        return requests;
    }

    /** Pages faulted on and not installed yet (to ask again after a recovery). */
    Set<Integer> pending() {
        return waiting.keySet();
    }

    /** A page arrived; ends its wait if the vCPU was waiting for it. */
    void installed(int page) {
        Long t0 = waiting.remove(page);
        if (t0 != null) {
            double ms = (System.nanoTime() - t0) / 1e6;
            synchronized (this) {
                faults++;
                totalMs += ms;
                maxMs = Math.max(maxMs, ms);
            }
        }
    }

    /** Faults so far, mean and longest wait. */
    synchronized double[] stats() {
        return new double[] {faults, faults == 0 ? 0 : totalMs / faults, maxMs};
    }
}
