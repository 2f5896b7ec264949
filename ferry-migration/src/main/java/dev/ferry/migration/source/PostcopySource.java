package dev.ferry.migration.source;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.RoundReport;
import dev.ferry.migration.policy.PostCopyPaging;
import dev.ferry.migration.transfer.PageBatchWriter;
import dev.ferry.migration.transfer.PageEncoder;
import dev.ferry.migration.transfer.TokenBucket;
import dev.ferry.migration.transfer.TransferUnits;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.FrameType;
import dev.ferry.migration.wire.Messages;
import dev.ferry.migration.wire.ProtocolException;
import java.io.IOException;
import java.util.BitSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The source's side of a migration after a post-copy switchover: waits for the target's RUNNING, then serves
 * the target's page faults on the control connection (a fault server thread) while the driver pushes the
 * remaining pages on the page streams, as the policy's {@link PostCopyPaging} says — pre-paging around faults,
 * pushing from the last fault on, and for a demand migration pushing only once asked or idle. Every page is
 * sent at most once (a fault on a page already pushed waits for it on its stream), and faults and push share
 * one rate limit. A lost connection pauses the transfer until {@link Reconnector#await()} brings a new one;
 * the target then says again which pages it misses.
 */
final class PostcopySource {

    /** A new connection to the target after a loss, and the pages the target reported missing. */
    record Recovery(SourceLink link, BitSet missing) { }

    /** Waits for the user's recover request and reconnects. */
    @FunctionalInterface
    interface Reconnector {
        Recovery await() throws InterruptedException;
    }

    /** Told when the link is lost ({@code true}) and when it is back ({@code false}). */
    @FunctionalInterface
    interface LinkListener {
        void lost(boolean lost);
    }

    private static final long POLL_MILLIS = 100;

    private final String id;
    private final TransferUnits units;
    private final PostCopyPaging paging;
    private final PageStreams streams;
    private final TokenBucket limiter;
    private final SourceRecord record;
    private final Reconnector reconnector;
    private final int round;
    private final MigrationOptions options;
    private final AtomicLong wireBytes;
    private final PageEncoder pushEncoder;
    private final long absentAtStart;
    private long pushed;

    PostcopySource(String id, TransferUnits units, MigrationOptions options, PostCopyPaging paging,
            PageStreams streams, TokenBucket limiter, SourceRecord record, AtomicLong wireBytes,
            Reconnector reconnector, int round) {
        this.id = id;
        this.options = options;
        this.wireBytes = wireBytes;
        this.units = units;
        this.paging = paging;
        this.streams = streams;
        this.limiter = limiter;
        this.record = record;
        this.reconnector = reconnector;
        this.round = round;
        this.pushEncoder = new PageEncoder(options.zeroPages(), false, options.lz4(), 0);
        this.absentAtStart = paging.remaining();
    }

    /** Missing pages not sent yet. */
    long remaining() {
        synchronized (paging) {
            return paging.remaining();
        }
    }

    /** The user (or the target, whose VM stopped) asks to push the rest now. */
    void requestPush() {
        synchronized (paging) {
            paging.requestPush();
        }
    }

    /**
     * Runs until the target has every page.
     *
     * @param runningAt told the time the target reported the VM running
     * @param links     told when the link is lost and when it is back
     */
    void run(SourceLink link, LongConsumer runningAt, LinkListener links) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        long bytes0 = wireBytes.get();
        SourceLink l = link;
        FaultServer server = new FaultServer(l);
        boolean running = false;
        while (true) {
            try {
                while (!running) {
                    Frame f = l.await(FrameConnection.REPLY_MILLIS, () -> false);
                    if (f.type() == FrameType.PUSH_REST) {
                        requestPush();
                    } else if (f.type() == FrameType.RUNNING) {
                        running = true;
                        runningAt.accept(System.nanoTime());
                        record.faults(Messages.FaultStats.decode(f));
                    } else {
                        throw new ProtocolException("expected RUNNING from the target, got " + f.type());
                    }
                }
                transfer(l);
                break;
            } catch (IOException e) {
                server.stop();
                l.close();
                links.lost(true);
                record.note("post-copy connection lost (" + e.getMessage() + "); waiting for recovery");
                Recovery rec = reconnector.await();
                l = rec.link();
                synchronized (paging) {
                    paging.restart(rec.missing());
                }
                streams.attach(l, id);
                server = new FaultServer(l);
                links.lost(false);
                record.note("post-copy recovered");
                if (!running) {
                    running = true;
                    runningAt.accept(System.nanoTime());
                    record.note("the target's running acknowledgement was lost; downtime measured until recovery");
                }
            }
        }
        server.stop();
        long sent = pushed + server.sent;
        record.round(new RoundReport(round, "postcopy", sent, wireBytes.get() - bytes0, (System.nanoTime() - t0) / 1e6,
                0, limiter.rate()));
        if (sent > absentAtStart) {
            record.note("post-copy sent " + sent + " pages for " + absentAtStart + " missing ones (pages lost with a "
                    + "connection went again)");
        }
    }

    /** Pushes what the paging allows and waits for COMPLETE. */
    private void transfer(SourceLink l) throws IOException, InterruptedException {
        streams.startRound(round);
        boolean doneSent = false;
        while (true) {
            int p = nextPush();
            if (p >= 0) {
                streams.add(p, pushEncoder, false);
                pushed++;
                if ((pushed & 63) == 0 && handle(l.poll(0))) {
                    return;
                }
                continue;
            }
            streams.flushAll();
            boolean complete;
            long waitMillis;
            synchronized (paging) {
                complete = paging.complete();
                waitMillis = complete ? POLL_MILLIS : Math.max(1, Math.min(POLL_MILLIS, paging.nanosUntilPush()
                        / 1_000_000));
            }
            if (complete && !doneSent) {
                l.control().send(Frame.empty(FrameType.PUSH_DONE));
                doneSent = true;
            }
            if (handle(l.poll(waitMillis))) {
                return;
            }
        }
    }

    private int nextPush() {
        synchronized (paging) {
            return paging.nextPush();
        }
    }

    /** Handles a reply of the target; true when it was COMPLETE. */
    private boolean handle(Frame f) throws IOException {
        if (f == null) {
            return false;
        }
        if (f.type() == FrameType.COMPLETE) {
            record.faults(Messages.FaultStats.decode(f));
            return true;
        }
        if (f.type() == FrameType.PUSH_REST) {
            record.note("pushing the pages the target has not pulled (its VM stopped running)");
            requestPush();
        }
        return false;
    }

    /**
     * Answers post-copy page requests on the control connection, each with the pages the paging names for it
     * (the page unless it is on its way already, and missing neighbours), through the shared rate limit.
     */
    private final class FaultServer {

        private final BlockingQueue<Integer> requests;
        private final Thread thread;
        private final SourceLink link;
        private volatile long sent;

        FaultServer(SourceLink link) {
            this.link = link;
            this.requests = link.pageRequests();
            thread = new Thread(this::serve, "migrate-faults-" + id);
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            PageEncoder enc = new PageEncoder(options.zeroPages(), false, options.lz4(), 0);
            PageBatchWriter batch = new PageBatchWriter(round);
            try {
                while (true) {
                    int p = requests.take();
                    int[] pages;
                    synchronized (paging) {
                        pages = paging.fault(p);
                    }
                    batch.reset(round);
                    for (int q : pages) {
                        record.countUnit(units, q, enc.encodeUnit(units, q, false, batch), batch.lastEntryBytes());
                        sent++;
                        if (batch.full()) {
                            send(batch);
                        }
                    }
                    send(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                link.fail(e);
            }
        }

        private void send(PageBatchWriter batch) throws IOException, InterruptedException {
            if (batch.count() > 0) {
                int len = batch.seal();
                limiter.acquire(len);
                link.control().sendSealed(batch.frameBytes());
                batch.reset(batch.round());
            }
        }

        void stop() {
            thread.interrupt();
        }
    }
}
