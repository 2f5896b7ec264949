package dev.ferry.migration.wire;

import dev.ferry.machine.board.DeviceSpecs;
import dev.ferry.machine.board.DriveConfig;
import dev.ferry.machine.board.NicConfig;
import dev.ferry.migration.ConsoleHistory;
import dev.ferry.migration.Strategy;
import dev.ferry.migration.VmDescriptor;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Payloads of the control frames, as records with an encoder and a checking decoder each. Page batches have
 * their own codec ({@code transfer.PageBatchCodec}) because they are decoded in place.
 */
public final class Messages {

    /** Longest VM name or migration id accepted. */
    public static final int MAX_NAME = 256;
    /** Longest error reason accepted. */
    public static final int MAX_REASON = 4096;
    /** Longest image name or boot argument string accepted. */
    public static final int MAX_TEXT = 65536;
    /**
     * The first protocol version in which the VM's image and boot arguments travel in BEGIN and its console
     * history in CONSOLE_HISTORY.
     */
    public static final int VM_FACTS_VERSION = 3;
    /** The first protocol version in which BEGIN describes disks, network interfaces, entropy device and boot ROM. */
    public static final int MACHINE_VERSION = 4;
    /** The first protocol version in which BEGIN names disks whose blocks travel in the migration stream. */
    public static final int DISK_COPY_VERSION = 5;
    /** Most disks or network interfaces BEGIN may describe. */
    public static final int MAX_DEVICES = 16;

    private Messages() {
    }

    // ---------------------------------------------------------------- BEGIN

    /**
     * Starts a migration on a control connection.
     *
     * @param vm       the VM and the machine the target must build
     * @param strategy the strategy (informational for the target)
     * @param streams  number of page streams that will connect
     * @param copied   the disks whose blocks travel in the migration stream (protocol 5 on), in drive order; their
     *                 blocks follow the pages in the space of transfer units
     */
    public record Begin(VmDescriptor vm, Strategy strategy, int streams, List<DiskCopy> copied) {

        /** Copies the list. */
        public Begin {
            copied = List.copyOf(copied);
        }

        /** A BEGIN that copies no disk. */
        public Begin(VmDescriptor vm, Strategy strategy, int streams) {
            this(vm, strategy, streams, List.of());
        }

        /**
         * The frame in the layout of protocol {@code version} (image and boot arguments from version 3 on; disks,
         * network interfaces, entropy device and boot ROM from version 4 on).
         *
         * @throws IllegalArgumentException when the VM has devices that {@code version} cannot describe
         */
        public Frame frame(int version) {
            PayloadWriter w = new PayloadWriter().str(vm.name()).i64(vm.ramSize()).bool(vm.deterministic())
                    .i64(vm.instructionLimit()).bool(vm.balloon()).str(strategy.name()).u8(streams);
            if (version >= VM_FACTS_VERSION) {
                w.str(vm.image()).str(vm.bootArgs());
            }
            if (version >= MACHINE_VERSION) {
                w.bool(vm.rng()).bool(vm.mrom()).u8(vm.drives().size());
                for (DriveConfig d : vm.drives()) {
                    w.str(d.source()).str(d.format()).bool(d.readOnly());
                }
                w.u8(vm.nics().size());
                for (NicConfig n : vm.nics()) {
                    w.str(n.mac()).str(n.backend());
                }
            } else if (vm.needsMachineDescription()) {
                throw new IllegalArgumentException("the target speaks migration protocol " + version + ", which "
                        + "cannot describe this VM's disks, network interfaces, entropy device or boot ROM (protocol "
                        + MACHINE_VERSION + " can); upgrade the target host");
            }
            if (version >= DISK_COPY_VERSION) {
                w.u8(copied.size());
                for (DiskCopy c : copied) {
                    w.u8(c.drive()).i64(c.size());
                }
            } else if (!copied.isEmpty()) {
                throw new IllegalArgumentException("the target speaks migration protocol " + version + ", which "
                        + "cannot copy disks (protocol " + DISK_COPY_VERSION + " can); upgrade the target host or "
                        + "migrate without --copy-disks");
            }
            return w.frame(FrameType.BEGIN);
        }

        /** Decodes and checks a BEGIN frame of protocol {@code version}. */
        public static Begin decode(Frame f, int version) throws ProtocolException {
            PayloadReader r = f.reader();
            String name = r.str(MAX_NAME);
            long ram = r.i64();
            boolean det = r.bool();
            long limit = r.i64();
            boolean balloon = r.bool();
            String strategy = r.str(32);
            int streams = r.u8();
            String image = version >= VM_FACTS_VERSION ? r.str(MAX_TEXT) : "";
            String bootArgs = version >= VM_FACTS_VERSION ? r.str(MAX_TEXT) : "";
            boolean rng = false;
            boolean mrom = false;
            List<DriveConfig> drives = new ArrayList<>();
            List<NicConfig> nics = new ArrayList<>();
            if (version >= MACHINE_VERSION) {
                rng = r.bool();
                mrom = r.bool();
                int n = devices(r.u8(), "disks");
                for (int i = 0; i < n; i++) {
                    drives.add(drive(r.str(MAX_TEXT), r.str(32), r.bool()));
                }
                n = devices(r.u8(), "network interfaces");
                for (int i = 0; i < n; i++) {
                    nics.add(nic(r.str(32), r.str(MAX_NAME)));
                }
            }
            List<DiskCopy> copied = new ArrayList<>();
            if (version >= DISK_COPY_VERSION) {
                int n = devices(r.u8(), "copied disks");
                for (int i = 0; i < n; i++) {
                    copied.add(diskCopy(r.u8(), r.i64(), drives, copied));
                }
            }
            r.end();
            if (name.isEmpty()) {
                throw new ProtocolException("BEGIN frame: empty VM name");
            }
            if (ram < (2L << 20) || ram > (64L << 30) || (ram & 0xfff) != 0) {
                throw new ProtocolException("BEGIN frame: RAM size " + ram + " is not a valid machine size");
            }
            if (limit < 0) {
                throw new ProtocolException("BEGIN frame: negative instruction limit");
            }
            if (streams < 1 || streams > 16) {
                throw new ProtocolException("BEGIN frame: " + streams + " page streams (1..16 allowed)");
            }
            Strategy s;
            try {
                s = Strategy.valueOf(strategy);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("BEGIN frame: unknown strategy " + strategy);
            }
            return new Begin(new VmDescriptor(name, ram, det, limit, balloon, image, bootArgs, drives, nics, rng,
                    mrom), s, streams, copied);
        }

        private static DiskCopy diskCopy(int drive, long size, List<DriveConfig> drives, List<DiskCopy> before)
                throws ProtocolException {
            if (drive >= drives.size()) {
                throw new ProtocolException("BEGIN frame: copied disk " + drive + " does not exist (" + drives.size()
                        + " disks)");
            }
            if (!before.isEmpty() && before.get(before.size() - 1).drive() >= drive) {
                throw new ProtocolException("BEGIN frame: copied disks out of order or repeated");
            }
            DriveConfig d = drives.get(drive);
            if (!d.isFile() || d.readOnly()) {
                throw new ProtocolException("BEGIN frame: disk " + drive + " is not a writable disk file");
            }
            if (size <= 0 || size % 512 != 0 || size > MAX_COPIED_DISK_BYTES) {
                throw new ProtocolException("BEGIN frame: copied disk " + drive + " has an invalid size " + size);
            }
            return new DiskCopy(drive, size);
        }

        private static int devices(int n, String what) throws ProtocolException {
            if (n > MAX_DEVICES) {
                throw new ProtocolException("BEGIN frame: " + n + " " + what + " (at most " + MAX_DEVICES + ")");
            }
            return n;
        }

        private static DriveConfig drive(String source, String format, boolean readOnly) throws ProtocolException {
            if (source.isEmpty() || source.indexOf('\0') >= 0) {
                throw new ProtocolException("BEGIN frame: a disk without a valid file name or address");
            }
            if (format.equals(DriveConfig.NBD)) {
                if (!source.startsWith("nbd://") && !source.startsWith("nbd+unix://")) {
                    throw new ProtocolException("BEGIN frame: an NBD disk whose address is not nbd://");
                }
                return new DriveConfig(source, format, readOnly);
            }
            if (!format.equals("raw") && !format.equals("qcow2")) {
                throw new ProtocolException("BEGIN frame: disk format '" + format + "' is not supported");
            }
            try {
                return new DriveConfig(Path.of(source), format, readOnly);
            } catch (InvalidPathException e) {
                throw new ProtocolException("BEGIN frame: a disk without a valid file name");
            }
        }

        private static NicConfig nic(String mac, String backend) throws ProtocolException {
            try {
                DeviceSpecs.checkMac(mac, "BEGIN frame");
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(e.getMessage());
            }
            if (backend.isEmpty()) {
                throw new ProtocolException("BEGIN frame: a network interface without a back end");
            }
            return new NicConfig(mac, backend);
        }
    }

    /** The largest disk that may be copied in a migration: 4 TiB (2^30 blocks of 4 KiB). */
    public static final long MAX_COPIED_DISK_BYTES = 4L << 40;

    /**
     * A disk whose blocks travel in the migration stream.
     *
     * @param drive index of the drive in the VM's drive list
     * @param size  its size in bytes
     */
    public record DiskCopy(int drive, long size) { }

    // ---------------------------------------------------------------- ROUND_APPLIED

    /** The protocol version from which targets acknowledge applied rounds. */
    public static final int ROUND_APPLIED_VERSION = 3;

    /** ROUND_APPLIED: {@code i32 round}. */
    public static Frame roundApplied(int round) {
        return new PayloadWriter().i32(round).frame(FrameType.ROUND_APPLIED);
    }

    /** Decodes a ROUND_APPLIED frame. */
    public static int roundApplied(Frame f) throws ProtocolException {
        PayloadReader r = f.reader();
        int round = r.i32("round", 0, Integer.MAX_VALUE);
        r.end();
        return round;
    }

    // ---------------------------------------------------------------- ROUND_END

    /**
     * Closes a round on one page stream.
     *
     * @param round      the round that ended
     * @param pagesTotal pages sent on this stream since the migration began (the target checks it)
     */
    public record RoundEnd(int round, long pagesTotal) {

        /** The frame. */
        public Frame frame() {
            return new PayloadWriter().i32(round).i64(pagesTotal).frame(FrameType.ROUND_END);
        }

        /** Decodes a ROUND_END frame. */
        public static RoundEnd decode(Frame f) throws ProtocolException {
            PayloadReader r = f.reader();
            RoundEnd e = new RoundEnd(r.i32("round", 0, Integer.MAX_VALUE), r.i64());
            r.end();
            return e;
        }
    }

    // ---------------------------------------------------------------- DEVICE_STATE

    /**
     * One component's state record as {@code RecordCodec} bytes.
     *
     * @param name        component name ("cpu", "uart0", ...)
     * @param type        record class name
     * @param fingerprint {@code RecordCodec.fingerprint} of the record class
     * @param data        the encoded record
     */
    public record Component(String name, String type, long fingerprint, byte[] data) { }

    /** Encodes the DEVICE_STATE frame. */
    public static Frame deviceState(List<Component> components) {
        PayloadWriter w = new PayloadWriter(1024).u16(components.size());
        for (Component c : components) {
            w.str(c.name()).str(c.type()).i64(c.fingerprint()).bytes(c.data());
        }
        return w.frame(FrameType.DEVICE_STATE);
    }

    /** Decodes a DEVICE_STATE frame. */
    public static List<Component> deviceState(Frame f) throws ProtocolException {
        PayloadReader r = f.reader();
        int n = r.u16();
        if (n > 64) {
            throw new ProtocolException("DEVICE_STATE frame: " + n + " components");
        }
        List<Component> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Component(r.str(64), r.str(MAX_NAME), r.i64(), r.bytes(FrameCodec.MAX_PAYLOAD)));
        }
        r.end();
        return out;
    }

    // ---------------------------------------------------------------- SWITCHOVER, RECOVER_STATE

    /**
     * Ends the source's execution of the VM.
     *
     * @param finalRound the last round sent on the page streams; the target waits for it on every stream
     * @param postcopy   the target starts at once with {@code absent} pages not present
     * @param absent     bitmap words of the pages the target must fetch (post-copy), else empty
     */
    public record Switchover(int finalRound, boolean postcopy, long[] absent, long[] streamPages) {

        /** A switchover without per-stream page counts (protocol 2). */
        public Switchover(int finalRound, boolean postcopy, long[] absent) {
            this(finalRound, postcopy, absent, null);
        }

        /** The frame; protocol 3 on it ends with the pages each stream carried ({@code u8 n, i64 x n}). */
        public Frame frame(int version) {
            PayloadWriter w = new PayloadWriter(24 + absent.length * 8).i32(finalRound).bool(postcopy);
            bitmap(w, absent);
            if (version >= ROUND_APPLIED_VERSION) {
                w.u8(streamPages.length);
                for (long n : streamPages) {
                    w.i64(n);
                }
            }
            return w.frame(FrameType.SWITCHOVER);
        }

        /** Decodes a SWITCHOVER frame for a VM of {@code pageCount} pages sent on {@code streams} streams. */
        public static Switchover decode(Frame f, int pageCount, int streams, int version) throws ProtocolException {
            PayloadReader r = f.reader();
            int round = r.i32("round", 0, Integer.MAX_VALUE);
            boolean post = r.bool();
            long[] absent = bitmap(r, pageCount);
            long[] pages = null;
            if (version >= ROUND_APPLIED_VERSION) {
                int n = r.u8();
                if (n != streams) {
                    throw new ProtocolException("SWITCHOVER names " + n + " page streams, the migration has "
                            + streams);
                }
                pages = new long[n];
                for (int i = 0; i < n; i++) {
                    pages[i] = r.i64();
                    if (pages[i] < 0) {
                        throw new ProtocolException("SWITCHOVER: negative page count for stream " + i);
                    }
                }
            }
            r.end();
            return new Switchover(round, post, absent, pages);
        }
    }

    /** Writes bitmap words with a count. */
    public static void bitmap(PayloadWriter w, long[] words) {
        w.i32(words.length).longs(words);
    }

    /** Reads bitmap words for {@code pageCount} pages (or none); bits past the last page are rejected. */
    public static long[] bitmap(PayloadReader r, int pageCount) throws ProtocolException {
        int words = (pageCount + 63) >>> 6;
        int n = r.i32();
        if (n == 0) {
            return new long[words];
        }
        if (n != words) {
            throw new ProtocolException("page bitmap of " + n + " words for " + pageCount + " pages");
        }
        long[] out = r.longs(words);
        int tail = pageCount & 63;
        if (tail != 0 && (out[words - 1] >>> tail) != 0) {
            throw new ProtocolException("page bitmap names pages outside RAM");
        }
        return out;
    }

    /** RECOVER_STATE: the pages the target still misses. */
    public static Frame recoverState(long[] absent) {
        PayloadWriter w = new PayloadWriter(8 + absent.length * 8);
        bitmap(w, absent);
        return w.frame(FrameType.RECOVER_STATE);
    }

    // ---------------------------------------------------------------- PAGE_REQUEST

    /** PAGE_REQUEST for one page. */
    public static Frame pageRequest(int page) {
        return new PayloadWriter().i32(page).frame(FrameType.PAGE_REQUEST);
    }

    /** The page of a PAGE_REQUEST, checked against RAM. */
    public static int pageRequest(Frame f, int pageCount) throws ProtocolException {
        PayloadReader r = f.reader();
        int page = r.i32();
        r.end();
        if (page < 0 || page >= pageCount) {
            throw new ProtocolException("page index " + (page & 0xffffffffL) + " outside RAM (" + pageCount
                    + " pages)");
        }
        return page;
    }

    // ---------------------------------------------------------------- COMPLETE / RUNNING statistics

    /**
     * Post-copy fault statistics measured on the target.
     *
     * @param faults pages the vCPU waited for
     * @param meanMs mean wait
     * @param maxMs  longest wait
     */
    public record FaultStats(long faults, double meanMs, double maxMs) {

        /** As a frame of {@code type} (RUNNING or COMPLETE). */
        public Frame frame(FrameType type) {
            return new PayloadWriter().i64(faults).f64(meanMs).f64(maxMs).frame(type);
        }

        /** Decodes the statistics. */
        public static FaultStats decode(Frame f) throws ProtocolException {
            PayloadReader r = f.reader();
            FaultStats s = new FaultStats(r.i64(), r.f64(), r.f64());
            r.end();
            return s;
        }
    }

    // ---------------------------------------------------------------- CONSOLE_HISTORY

    /** CONSOLE_HISTORY: the VM's recent console output (protocol 3 on, right before SWITCHOVER). */
    public static Frame consoleHistory(ConsoleHistory h) {
        return new PayloadWriter(16 + h.tail().length).i64(h.totalBytes()).bytes(h.tail())
                .frame(FrameType.CONSOLE_HISTORY);
    }

    /** Decodes and checks a CONSOLE_HISTORY frame. */
    public static ConsoleHistory consoleHistory(Frame f) throws ProtocolException {
        PayloadReader r = f.reader();
        long total = r.i64();
        byte[] tail = r.bytes(ConsoleHistory.MAX_BYTES);
        r.end();
        if (total < tail.length) {
            throw new ProtocolException("CONSOLE_HISTORY frame: " + tail.length + " bytes of output, but only "
                    + total + " written");
        }
        return new ConsoleHistory(total, tail);
    }

    // ---------------------------------------------------------------- ERROR

    /** An ERROR frame with a reason. */
    public static Frame error(String reason) {
        String s = reason == null ? "unknown error" : reason;
        if (s.length() > 1000) {
            s = s.substring(0, 1000);
        }
        return new PayloadWriter().str(s).frame(FrameType.ERROR);
    }

    /** The reason of an ERROR frame (a placeholder when it is malformed). */
    public static String error(Frame f) {
        try {
            return f.reader().str(MAX_REASON);
        } catch (ProtocolException e) {
            return "(malformed error frame)";
        }
    }
}
