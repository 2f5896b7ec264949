package dev.ferry.machine.device.virtio;

import dev.ferry.machine.device.InterruptLine;
import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import java.io.IOException;
import java.util.Objects;

/**
 * A virtio block device (device id 2) as QEMU 7.2's {@code virtio-blk-device} presents itself on the legacy
 * virtio-mmio transport, over a {@link BlockBackend}. Checked with a probe guest on QEMU 7.2: it offers SEG_MAX,
 * GEOMETRY, BLK_SIZE, SCSI, FLUSH, TOPOLOGY, CONFIG_WCE, DISCARD, WRITE_ZEROES (plus RO for a read-only disk) and
 * the ring features NOTIFY_ON_EMPTY, INDIRECT_DESC and EVENT_IDX, but not ANY_LAYOUT; one queue; a 57-byte
 * configuration space: capacity, size_max 0, seg_max 254, geometry (guessed as QEMU does, from an MBR partition
 * table or else from the size), blk_size 512, a zero topology, the writeback byte, num_queues 1, and the
 * discard and write-zeroes limits (0x3fffff sectors, one segment, alignment 1, may unmap).
 *
 * <p>Requests are served synchronously when the driver notifies, on the vCPU thread, so they complete in a
 * deterministic order. Types are matched as QEMU matches them, with the OUT and BARRIER bits masked: IN/OUT,
 * FLUSH, GET_ID (the serial is empty: one NUL byte), DISCARD (accepted and ignored, as QEMU's default
 * {@code discard=ignore}), WRITE_ZEROES; SCSI answers UNSUPP (IOERR when the chain lacks the SCSI layout), unknown
 * types UNSUPP. A transfer outside the disk or not of whole sectors, a write to a read-only disk, and a back-end
 * failure answer IOERR. Every request's used length is the size of all its device-writable buffers, as on QEMU.
 * A chain without a 16-byte header or a status byte, or with a readable buffer after a writable one, breaks the
 * device until reset, as QEMU's {@code virtio_error} does.
 */
public final class VirtioBlock implements VirtioDevice, Snapshottable<VirtioBlockState> {

    /** Virtio device id of a block device. */
    public static final int DEVICE_ID = 2;
    /** Feature: seg_max is valid. */
    public static final int F_SEG_MAX = 2;
    /** Feature: geometry is valid. */
    public static final int F_GEOMETRY = 4;
    /** Feature: the disk is read-only. */
    public static final int F_RO = 5;
    /** Feature: blk_size is valid. */
    public static final int F_BLK_SIZE = 6;
    /** Feature: legacy SCSI command passthrough (offered on legacy transports, answered UNSUPP). */
    public static final int F_SCSI = 7;
    /** Feature: the FLUSH request exists (also WCE). */
    public static final int F_FLUSH = 9;
    /** Feature: topology is valid. */
    public static final int F_TOPOLOGY = 10;
    /** Feature: the writeback byte of the configuration space is writable. */
    public static final int F_CONFIG_WCE = 11;
    /** Feature: DISCARD requests. */
    public static final int F_DISCARD = 13;
    /** Feature: WRITE_ZEROES requests. */
    public static final int F_WRITE_ZEROES = 14;
    /** Features offered for a writable disk, as QEMU 7.2 offers them on the legacy transport. */
    public static final long FEATURES = 1L << F_SEG_MAX | 1L << F_GEOMETRY | 1L << F_BLK_SIZE | 1L << F_SCSI
            | 1L << F_FLUSH | 1L << F_TOPOLOGY | 1L << F_CONFIG_WCE | 1L << F_DISCARD | 1L << F_WRITE_ZEROES
            | 1L << Virtqueue.F_NOTIFY_ON_EMPTY | 1L << Virtqueue.F_INDIRECT_DESC | 1L << Virtqueue.F_EVENT_IDX;

    /** Request type: read. */
    public static final int T_IN = 0;
    /** Request type: write. */
    public static final int T_OUT = 1;
    /** Request type: legacy SCSI command. */
    public static final int T_SCSI_CMD = 2;
    /** Request type: flush the write cache. */
    public static final int T_FLUSH = 4;
    /** Request type: read the serial number (20 bytes at most). */
    public static final int T_GET_ID = 8;
    /** Request type: discard sectors. */
    public static final int T_DISCARD = 11;
    /** Request type: write zeroes. */
    public static final int T_WRITE_ZEROES = 13;
    private static final int T_BARRIER = 0x8000_0000;

    /** Status: success. */
    public static final int S_OK = 0;
    /** Status: I/O error. */
    public static final int S_IOERR = 1;
    /** Status: request type not supported. */
    public static final int S_UNSUPP = 2;

    static final int SECTOR = 512;
    static final int SEG_MAX = 254;
    static final int MAX_DWZ_SECTORS = 0x3f_ffff;
    private static final int HEADER = 16;
    private static final int CONFIG_SIZE = 57;
    private static final int CONFIG_WRITEBACK = 32;
    private static final int CHUNK = 1 << 20;

    private BlockBackend disk;
    private final VirtioMmioTransport transport;
    private final long sectors;
    private final byte[] config = new byte[CONFIG_SIZE];
    private boolean writeback = true;
    private byte[] buffer = new byte[4096];

    /** A block device at reset over {@code disk}, whose rings live in {@code memory}, interrupting on {@code irq}. */
    public VirtioBlock(BlockBackend disk, GuestMemory memory, InterruptLine irq) {
        this.disk = Objects.requireNonNull(disk);
        if (disk.size() % SECTOR != 0) {
            throw new IllegalArgumentException("disk size " + disk.size() + " is not a multiple of 512");
        }
        this.sectors = disk.size() / SECTOR;
        this.transport = new VirtioMmioTransport(this, memory, irq);
        fillConfig();
    }

    private void fillConfig() {
        putLong(0, sectors);
        putInt(12, SEG_MAX);
        int[] chs = geometry();
        config[16] = (byte) chs[0];
        config[17] = (byte) (chs[0] >>> 8);
        config[18] = (byte) chs[1];
        config[19] = (byte) chs[2];
        putInt(20, SECTOR);
        config[34] = 1;
        putInt(36, MAX_DWZ_SECTORS);
        putInt(40, 1);
        putInt(44, 1);
        putInt(48, MAX_DWZ_SECTORS);
        putInt(52, 1);
        config[56] = 1;
    }

    /**
     * Cylinders, heads and sectors per track as QEMU guesses them when the drive gives none: from the first MBR
     * partition entry with sectors and an end head (heads = end head + 1 when at most 16, sectors = end sector,
     * cylinders = capacity / (heads * sectors) when 1 to 16383), else from the size with 16 heads and 63 sectors
     * (cylinders clamped to 2..16383). A disk whose first sector cannot be read gets the size-based geometry.
     */
    private int[] geometry() {
        int[] bySize = {(int) Math.max(2, Math.min(16383, sectors / (16 * 63))), 16, 63};
        byte[] mbr = new byte[SECTOR];
        try {
            if (sectors == 0) {
                return bySize;
            }
            disk.read(0, mbr, 0, SECTOR);
        } catch (IOException e) {
            return bySize;
        }
        if ((mbr[510] & 0xff) != 0x55 || (mbr[511] & 0xff) != 0xaa) {
            return bySize;
        }
        for (int i = 0; i < 4; i++) {
            int p = 0x1be + 16 * i;
            int endHead = mbr[p + 5] & 0xff;
            int endSector = mbr[p + 6] & 63;
            if (le32(mbr, p + 12) == 0 || endHead == 0 || endSector == 0) {
                continue;
            }
            long cylinders = sectors / ((endHead + 1) * endSector);
            if (cylinders < 1 || cylinders > 16383) {
                continue;
            }
            return endHead + 1 > 16 ? bySize : new int[] {(int) cylinders, endHead + 1, endSector};
        }
        return bySize;
    }

    private void putInt(int at, int v) {
        for (int i = 0; i < 4; i++) {
            config[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private void putLong(int at, long v) {
        for (int i = 0; i < 8; i++) {
            config[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** The register window to map on the bus. */
    public VirtioMmioTransport mmio() {
        return transport;
    }

    /** The storage behind the device. */
    public BlockBackend backend() {
        return disk;
    }

    /**
     * Puts {@code replacement} behind the device and returns the back end it replaces, for the caller to close: a
     * live snapshot, where the disk's file becomes a read-only base and the guest goes on writing an overlay over
     * it. The replacement must show the same bytes. vCPU stopped (no request is then in flight).
     *
     * @throws IllegalArgumentException if its size or read-only flag differs
     */
    public BlockBackend replaceBackend(BlockBackend replacement) {
        if (replacement.size() != disk.size() || replacement.readOnly() != disk.readOnly()) {
            throw new IllegalArgumentException("a replacement back end must have the disk's size and read-only flag");
        }
        BlockBackend old = disk;
        disk = replacement;
        return old;
    }

    /** Whether the write cache is on (the driver may turn it off through CONFIG_WCE). */
    public boolean writeback() {
        return writeback;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long hostFeatures() {
        return disk.readOnly() ? FEATURES | 1L << F_RO : FEATURES;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    @Override
    public int readConfig(int offset) {
        return offset == CONFIG_WRITEBACK ? (writeback ? 1 : 0) : config[offset] & 0xff;
    }

    @Override
    public void writeConfig(int offset, int width, long value, long guestFeatures) {
        if (offset <= CONFIG_WRITEBACK && offset + width > CONFIG_WRITEBACK) {
            writeback = (value >>> (8 * (CONFIG_WRITEBACK - offset)) & 0xff) != 0;
        }
    }

    /** As QEMU: a driver that does not take CONFIG_WCE gets the write cache exactly when it accepted FLUSH. */
    @Override
    public void featuresAccepted(long guestFeatures) {
        if ((guestFeatures & 1L << F_CONFIG_WCE) == 0) {
            writeback = (guestFeatures & 1L << F_FLUSH) != 0;
        }
    }

    @Override
    public void queueNotified(int index, Virtqueue queue) throws VirtqueueException {
        Virtqueue.Chain chain;
        while ((chain = queue.pop()) != null) {
            Virtqueue.requireReadableFirst(chain);
            long inLen = Virtqueue.length(chain, true);
            serve(queue, chain, inLen);
            queue.push(chain.head(), (int) Math.min(inLen, Integer.MAX_VALUE));
        }
    }

    /** Checks the chain's shape, performs the request and writes its status byte. */
    private void serve(Virtqueue queue, Virtqueue.Chain chain, long inLen) throws VirtqueueException {
        long outLen = Virtqueue.length(chain, false);
        if (outLen < HEADER || inLen < 1 || lastWritable(chain).length() < 1) {
            throw new VirtqueueException("virtio-blk request without header or status byte");
        }
        byte[] header = new byte[HEADER];
        queue.readFrom(chain, 0, header, 0, HEADER);
        int type = le32(header, 0);
        long sector = le64(header, 8);
        int status = switch (type & ~(T_OUT | T_BARRIER)) {
            case T_IN -> transfer(queue, chain, (type & T_OUT) != 0, sector, outLen - HEADER, inLen - 1);
            case T_FLUSH -> flush();
            case T_GET_ID -> getId(queue, chain, inLen - 1);
            case T_DISCARD & ~T_OUT, T_WRITE_ZEROES & ~T_OUT ->
                    discardOrZero(queue, chain, (type & ~T_BARRIER) == T_WRITE_ZEROES, outLen - HEADER);
            case T_SCSI_CMD -> scsiLayout(chain) ? S_UNSUPP : S_IOERR;
            default -> S_UNSUPP;
        };
        queue.writeTo(chain, inLen - 1, new byte[] {(byte) status}, 0, 1);
    }

    /**
     * A SCSI request needs at least two readable buffers (header, command) and three writable ones (sense, errors,
     * status); QEMU answers IOERR without them and UNSUPP with them, having no SCSI device behind the disk.
     */
    private static boolean scsiLayout(Virtqueue.Chain chain) {
        int readable = 0;
        int writable = 0;
        for (Virtqueue.Segment s : chain.segments()) {
            if (s.deviceWritable()) {
                writable++;
            } else {
                readable++;
            }
        }
        return readable >= 2 && writable >= 3;
    }

    private static Virtqueue.Segment lastWritable(Virtqueue.Chain chain) {
        return chain.segments().get(chain.segments().size() - 1);
    }

    private boolean inside(long sector, long bytes) {
        return bytes % SECTOR == 0 && Long.compareUnsigned(sector, sectors) <= 0 && bytes / SECTOR <= sectors - sector;
    }

    private int transfer(Virtqueue q, Virtqueue.Chain chain, boolean write, long sector, long outData, long inData) {
        long bytes = write ? outData : inData;
        if (!inside(sector, bytes) || write && disk.readOnly()) {
            return S_IOERR;
        }
        try {
            for (long done = 0; done < bytes; ) {
                int n = (int) Math.min(CHUNK, bytes - done);
                byte[] b = buffer(n);
                long at = sector * SECTOR + done;
                if (write) {
                    q.readFrom(chain, HEADER + done, b, 0, n);
                    disk.write(at, b, 0, n);
                } else {
                    disk.read(at, b, 0, n);
                    q.writeTo(chain, done, b, 0, n);
                }
                done += n;
            }
            if (write && !writeback) {
                disk.flush();
            }
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    private byte[] buffer(int n) {
        if (buffer.length < n) {
            buffer = new byte[Math.max(n, buffer.length * 2)];
        }
        return buffer;
    }

    private int flush() {
        try {
            disk.flush();
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    /** The serial number is empty: its terminating NUL, if the buffer has room. */
    private int getId(Virtqueue q, Virtqueue.Chain chain, long room) {
        if (room > 0) {
            q.writeTo(chain, 0, new byte[1], 0, 1);
        }
        return S_OK;
    }

    private int discardOrZero(Virtqueue q, Virtqueue.Chain chain, boolean zero, long payload) {
        if (payload != HEADER) {
            return S_UNSUPP;
        }
        byte[] seg = new byte[HEADER];
        q.readFrom(chain, HEADER, seg, 0, HEADER);
        long sector = le64(seg, 0);
        long count = le32(seg, 8) & 0xffff_ffffL;
        int flags = le32(seg, 12);
        if ((flags & ~1) != 0 || !zero && flags != 0) {
            return S_UNSUPP;
        }
        if (count > MAX_DWZ_SECTORS || !inside(sector, count * SECTOR) || disk.readOnly()) {
            return S_IOERR;
        }
        if (!zero) {
            return S_OK;
        }
        try {
            disk.writeZeroes(sector * SECTOR, count * SECTOR);
            if (!writeback) {
                disk.flush();
            }
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    private static int le32(byte[] b, int at) {
        return b[at] & 0xff | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static long le64(byte[] b, int at) {
        return le32(b, at) & 0xffff_ffffL | (long) le32(b, at + 4) << 32;
    }

    @Override
    public void reset() {
    }

    @Override
    public VirtioBlockState saveState() {
        return new VirtioBlockState(transport.saveState(), sectors, disk.readOnly(), writeback);
    }

    /** Checks the transport's state and that the attached disk has the saved size and read-only flag. */
    @Override
    public void validateState(VirtioBlockState state) {
        transport.validateState(state.transport());
        if (state.sectors() != sectors || state.readOnly() != disk.readOnly()) {
            throw new IllegalArgumentException(String.format(
                    "virtio-blk state is for a %s disk of %d sectors, the attached disk is %s with %d sectors",
                    state.readOnly() ? "read-only" : "writable", state.sectors(),
                    disk.readOnly() ? "read-only" : "writable", sectors));
        }
    }

    @Override
    public void restoreState(VirtioBlockState state) {
        transport.restoreState(state.transport());
        writeback = state.writeback();
    }
}
