package dev.ferry.migration.source;

import dev.ferry.migration.transfer.Encoding;
import dev.ferry.migration.transfer.PageBatchWriter;
import dev.ferry.migration.transfer.PageEncoder;
import dev.ferry.migration.transfer.TokenBucket;
import dev.ferry.migration.transfer.TransferUnits;
import dev.ferry.migration.wire.Frame;
import dev.ferry.migration.wire.FrameConnection;
import dev.ferry.migration.wire.Messages;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The source's page streams: pages (and blocks of copied disks: {@link TransferUnits}) are encoded into one batch per stream (page {@code p} goes to stream
 * {@code (p / 64) % streams}, so successive versions of a page arrive in order), full batches pass the rate
 * limiter and go to the stream's sender thread, so encoding and the writes of all streams overlap. Each round
 * ends with a ROUND_END on every stream carrying the pages that stream has carried so far.
 *
 * <p>Used by one thread (the migration's driver) at a time, except {@link #bytesSent()}.
 */
final class PageStreams {

    private static final int CHUNK = 64;
    private static final int POOL = 3;

    private final TransferUnits units;
    private final TokenBucket limiter;
    private final SourceRecord record;
    private final BooleanSupplier cancelled;
    private final PageBatchWriter[] current;
    private final long[] pagesSent;
    private Sender[] senders = new Sender[0];
    private int round;
    private long roundBytes;
    private long roundBlocks;

    PageStreams(TransferUnits units, int streams, TokenBucket limiter, SourceRecord record,
            BooleanSupplier cancelled) {
        this.units = units;
        this.limiter = limiter;
        this.record = record;
        this.cancelled = cancelled;
        this.current = new PageBatchWriter[streams];
        this.pagesSent = new long[streams];
    }

    /** Starts sending on the page streams of {@code link} (a new migration, or a recovery). */
    void attach(SourceLink link, String id) throws IOException, InterruptedException {
        for (Sender s : senders) {
            s.stop();
        }
        senders = new Sender[current.length];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = new Sender(link, i, id);
            current[i] = senders[i].takeFree(round);
        }
        Arrays.fill(pagesSent, 0);
    }

    /** Starts round {@code r} (the batches are empty between rounds). */
    void startRound(int r) {
        round = r;
        roundBytes = 0;
        roundBlocks = 0;
        for (PageBatchWriter w : current) {
            w.reset(r);
        }
    }

    /** Frame bytes handed to the streams since the round started. */
    long roundBytes() {
        return roundBytes;
    }

    /** Disk blocks handed to the streams since the round started. */
    long roundBlocks() {
        return roundBlocks;
    }

    /** Encodes unit {@code p} (a page or a disk block) into its stream's batch; sends the batch when full. */
    Encoding add(int p, PageEncoder encoder, boolean deltaOk) throws IOException, InterruptedException {
        int s = (p / CHUNK) % current.length;
        Encoding e = encoder.encodeUnit(units, p, deltaOk, current[s]);
        record.countUnit(units, p, e, current[s].lastEntryBytes());
        if (units.isBlock(p)) {
            roundBlocks++;
        }
        if (current[s].full()) {
            flush(s);
        }
        return e;
    }

    private void flush(int s) throws IOException, InterruptedException {
        PageBatchWriter w = current[s];
        if (w.count() == 0) {
            return;
        }
        if (cancelled.getAsBoolean()) {
            throw new SourceLink.CancelledException();
        }
        int len = w.seal();
        limiter.acquire(len);
        roundBytes += len;
        pagesSent[s] += w.count();
        senders[s].submit(w);
        current[s] = senders[s].takeFree(round);
    }

    /** Sends every partly filled batch. */
    void flushAll() throws IOException, InterruptedException {
        for (int s = 0; s < current.length; s++) {
            flush(s);
        }
    }

    /** Flushes and closes round {@code r} with a ROUND_END on every stream. */
    void endRound(int r) throws IOException, InterruptedException {
        for (int s = 0; s < current.length; s++) {
            flush(s);
            senders[s].submit(new Messages.RoundEnd(r, pagesSent[s]).frame());
        }
    }

    /** Pages each stream has carried since it was attached. */
    long[] pagesSent() {
        return pagesSent.clone();
    }

    /** Waits until every stream has written everything handed to it. */
    void drain() throws IOException, InterruptedException {
        for (Sender s : senders) {
            s.drain();
        }
    }

    /** Stops the sender threads. */
    void stop() {
        for (Sender s : senders) {
            s.stop();
        }
    }

    /**
     * Writes one page stream on its own thread, in submission order: sealed batches (returned to a small pool
     * for reuse) and ROUND_END frames. A write failure fails the whole link.
     */
    private final class Sender {

        private final SourceLink link;
        private final FrameConnection conn;
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(2);
        private final BlockingQueue<PageBatchWriter> free = new ArrayBlockingQueue<>(POOL);
        private final Object written = new Object();
        private final Thread thread;
        private long submitted;
        private long done;
        private volatile IOException failure;
        private volatile boolean stopped;

        Sender(SourceLink link, int index, String id) {
            this.link = link;
            this.conn = link.stream(index);
            for (int i = 0; i < POOL; i++) {
                free.add(new PageBatchWriter(0));
            }
            thread = new Thread(this::run, "migrate-tx" + index + "-" + id);
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            try {
                while (!stopped && !conn.isClosed()) {
                    Object o = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (o == null) {
                        continue;
                    }
                    if (o instanceof PageBatchWriter w) {
                        conn.sendSealed(w.frameBytes());
                        free.add(w);
                    } else if (o instanceof Frame f) {
                        conn.send(f);
                    }
                    synchronized (written) {
                        done++;
                        written.notifyAll();
                    }
                }
            } catch (IOException e) {
                failure = e;
                link.fail(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (written) {
                    written.notifyAll();
                }
            }
        }

        /** Queues a sealed batch or a frame; waits while the stream is behind. */
        void submit(Object o) throws IOException, InterruptedException {
            synchronized (written) {
                submitted++;
            }
            while (!queue.offer(o, 50, TimeUnit.MILLISECONDS)) {
                check();
            }
        }

        /** An empty batch of round {@code r}, once the stream has written one. */
        PageBatchWriter takeFree(int r) throws IOException, InterruptedException {
            PageBatchWriter w;
            while ((w = free.poll(50, TimeUnit.MILLISECONDS)) == null) {
                check();
            }
            w.reset(r);
            return w;
        }

        /** Waits until everything submitted is written. */
        void drain() throws IOException, InterruptedException {
            synchronized (written) {
                while (done < submitted) {
                    check();
                    written.wait(50);
                }
            }
        }

        private void check() throws IOException {
            if (cancelled.getAsBoolean()) {
                throw new SourceLink.CancelledException();
            }
            IOException e = failure;
            if (e != null) {
                throw new IOException(e.getMessage(), e);
            }
            if (conn.isClosed() || stopped) {
                throw new IOException("page stream closed");
            }
        }

        void stop() {
            stopped = true;
        }
    }
}
