package dev.ferry.machine.device.virtio;

import static dev.ferry.machine.device.virtio.TestDriver.BUF;
import static dev.ferry.machine.device.virtio.TestDriver.in;
import static dev.ferry.machine.device.virtio.TestDriver.out;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.RecordCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioBlockTest {

    /** A disk in a byte array that records flushes and can be made to fail. */
    static final class MemoryDisk implements BlockBackend {
        final byte[] bytes;
        final boolean readOnly;
        final List<String> log = new ArrayList<>();
        boolean fail;

        MemoryDisk(int sectors, boolean readOnly) {
            this.bytes = new byte[sectors * 512];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i ^ (i >> 9));
            }
            this.readOnly = readOnly;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public void read(long offset, byte[] dst, int dstOff, int len) throws IOException {
            if (fail) {
                throw new IOException("broken disk");
            }
            System.arraycopy(bytes, (int) offset, dst, dstOff, len);
        }

        @Override
        public void write(long offset, byte[] src, int srcOff, int len) throws IOException {
            if (fail) {
                throw new IOException("broken disk");
            }
            System.arraycopy(src, srcOff, bytes, (int) offset, len);
            log.add("write " + offset + "+" + len);
        }

        @Override
        public void flush() {
            log.add("flush");
        }

        @Override
        public void close() {
        }
    }

    private static final long HDR = BUF;
    private static final long DATA = BUF + 0x1000;
    private static final long STATUS = BUF + 0x800;

    private final GuestMemory mem = TestDriver.memory();
    private final List<Boolean> irq = TestDriver.irqLog();
    private MemoryDisk disk = new MemoryDisk(64, false);
    private VirtioBlock blk = new VirtioBlock(disk, mem, irq::add);
    private TestDriver d = new TestDriver(mem, blk.mmio(), irq);

    private void header(int type, long sector) {
        mem.store32(HDR, type);
        mem.store32(HDR + 4, 0);
        mem.store64(HDR + 8, sector);
        mem.store8(STATUS, 0xee);
    }

    private long request(int type, long sector, int len, boolean read) {
        header(type, sector);
        return len == 0 ? d.xfer(0, out(HDR, 16), in(STATUS, 1))
                : d.xfer(0, out(HDR, 16), new TestDriver.Buf(DATA, len, read), in(STATUS, 1));
    }

    private int status() {
        return mem.load8(STATUS);
    }

    @Test
    void offersQemusFeaturesAndConfiguration() {
        assertThat(d.reg(VirtioMmioTransport.DEVICE_ID)).isEqualTo(2);
        assertThat(d.reg(VirtioMmioTransport.HOST_FEATURES)).isEqualTo(0x3100_6ed4L);
        assertThat(blk.mmio().read(0x100, 8)).as("capacity").isEqualTo(64);
        assertThat(blk.mmio().read(0x100 + 12, 4)).as("seg_max").isEqualTo(254);
        assertThat(blk.mmio().read(0x100 + 20, 4)).as("blk_size").isEqualTo(512);
        assertThat(blk.mmio().read(0x100 + 56, 1)).as("write_zeroes_may_unmap").isEqualTo(1);
        assertThat(blk.mmio().read(0x100 + 57, 1)).as("past the 57-byte space").isEqualTo(0xff);
        VirtioBlock ro = new VirtioBlock(new MemoryDisk(8, true), mem, irq::add);
        assertThat(ro.hostFeatures() & 1L << VirtioBlock.F_RO).isNotZero();
    }

    @Test
    void readsWritesAndFlushesWithQemusStatusAndUsedLengths() {
        d.up(1L << VirtioBlock.F_FLUSH, 1);
        assertThat(request(VirtioBlock.T_IN, 2, 1024, true)).as("used = all writable bytes").isEqualTo(1025);
        assertThat(status()).isEqualTo(VirtioBlock.S_OK);
        byte[] got = new byte[1024];
        mem.readBytes(DATA, got, 0, 1024);
        assertThat(got).isEqualTo(Arrays.copyOfRange(disk.bytes, 1024, 2048));

        mem.writeBytes(DATA, new byte[512], 0, 512);
        mem.store8(DATA + 7, 0x5a);
        assertThat(request(VirtioBlock.T_OUT, 3, 512, false)).isEqualTo(1);
        assertThat(status()).isEqualTo(VirtioBlock.S_OK);
        assertThat(disk.bytes[3 * 512 + 7]).isEqualTo((byte) 0x5a);
        assertThat(disk.log).as("write cache on: no flush per write").containsExactly("write 1536+512");
        request(VirtioBlock.T_FLUSH, 0, 0, false);
        assertThat(status()).isEqualTo(VirtioBlock.S_OK);
        assertThat(disk.log).endsWith("flush");
        assertThat(irq).contains(true);
    }

    @Test
    void indirectChainsAndEventIndexAsLinuxUsesThem() {
        d.up(1L << VirtioBlock.F_FLUSH | 1L << Virtqueue.F_INDIRECT_DESC | 1L << Virtqueue.F_EVENT_IDX, 1);
        long table = BUF + 0x3000;
        long[][] entries = {{HDR, 16, 1, 1}, {DATA, 512, 1 | 2, 2}, {STATUS, 1, 2, 0}};
        for (int i = 0; i < entries.length; i++) {
            mem.store64(table + 16L * i, entries[i][0]);
            mem.store32(table + 16L * i + 8, (int) entries[i][1]);
            mem.store16(table + 16L * i + 12, (int) entries[i][2]);
            mem.store16(table + 16L * i + 14, (int) entries[i][3]);
        }
        header(VirtioBlock.T_IN, 5);
        long q = TestDriver.queueAddress(0);
        mem.store64(q, table);
        mem.store32(q + 8, 48);
        mem.store16(q + 12, 4);
        long avail = q + 16L * TestDriver.QSIZE;
        mem.store16(avail + 4 + 2L * TestDriver.QSIZE, 5);
        mem.store16(avail + 4, 0);
        mem.store16(avail + 2, 1);
        irq.clear();
        d.notify(0);
        assertThat(d.nextUsed(0)).isEqualTo(513);
        assertThat(status()).isEqualTo(VirtioBlock.S_OK);
        assertThat(mem.load8(DATA)).isEqualTo(disk.bytes[5 * 512] & 0xff);
        assertThat(irq).as("used_event 5 not reached: no interrupt").doesNotContain(true);
        assertThat(mem.load16(q + 0x1000 + 4 + 8L * TestDriver.QSIZE)).as("avail_event").isEqualTo(1);
    }

    @Test
    void withoutFlushFeatureEveryWriteIsFlushed() {
        d.up(0, 1);
        assertThat(blk.writeback()).isFalse();
        request(VirtioBlock.T_OUT, 0, 512, false);
        assertThat(disk.log).containsExactly("write 0+512", "flush");
    }

    @Test
    void badRequestsGetQemusStatusBytes() {
        d.up(1L << VirtioBlock.F_FLUSH, 1);
        request(VirtioBlock.T_IN, 63, 1024, true);
        assertThat(status()).as("past the end").isEqualTo(VirtioBlock.S_IOERR);
        request(VirtioBlock.T_IN, 0, 100, true);
        assertThat(status()).as("not whole sectors").isEqualTo(VirtioBlock.S_IOERR);
        request(99, 0, 0, false);
        assertThat(status()).isEqualTo(VirtioBlock.S_UNSUPP);
        assertThat(request(VirtioBlock.T_GET_ID, 0, 20, true)).isEqualTo(21);
        assertThat(status()).isEqualTo(VirtioBlock.S_OK);
        assertThat(mem.load8(DATA)).isZero();
        disk.fail = true;
        request(VirtioBlock.T_IN, 0, 512, true);
        assertThat(status()).as("back-end failure").isEqualTo(VirtioBlock.S_IOERR);
        assertThat(blk.mmio().broken()).isFalse();
    }

    @Test
    void writesToAReadOnlyDiskFail() {
        disk = new MemoryDisk(8, true);
        blk = new VirtioBlock(disk, mem, irq::add);
        d = new TestDriver(mem, blk.mmio(), irq);
        d.up(0, 1);
        request(VirtioBlock.T_OUT, 0, 512, false);
        assertThat(status()).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(disk.log).isEmpty();
    }

    @Test
    void writeZeroesAndDiscard() {
        d.up(1L << VirtioBlock.F_FLUSH, 1);
        mem.store64(DATA, 4);
        mem.store32(DATA + 8, 2);
        mem.store32(DATA + 12, 0);
        header(VirtioBlock.T_WRITE_ZEROES, 0);
        d.xfer(0, out(HDR, 16), out(DATA, 16), in(STATUS, 1));
        assertThat(status()).isEqualTo(VirtioBlock.S_OK);
        assertThat(Arrays.copyOfRange(disk.bytes, 4 * 512, 6 * 512)).containsOnly(0);
        assertThat(disk.bytes[6 * 512 + 1]).isNotZero();
        mem.store32(DATA + 12, 1);
        header(VirtioBlock.T_DISCARD, 0);
        d.xfer(0, out(HDR, 16), out(DATA, 16), in(STATUS, 1));
        assertThat(status()).as("discard with UNMAP").isEqualTo(VirtioBlock.S_UNSUPP);
    }

    @Test
    void malformedChainsBreakTheDeviceInsteadOfThrowing() {
        d.up(0, 1);
        header(VirtioBlock.T_IN, 0);
        d.xfer(0, out(HDR, 8), in(STATUS, 1));
        assertThat(blk.mmio().broken()).as("short header").isTrue();

        d.up(0, 1);
        d = new TestDriver(mem, blk.mmio(), irq);
        d.up(0, 1);
        header(VirtioBlock.T_IN, 0);
        d.xfer(0, out(HDR, 16), in(STATUS, 1), out(DATA, 16));
        assertThat(blk.mmio().broken()).as("readable after writable").isTrue();

        d = new TestDriver(mem, blk.mmio(), irq);
        d.up(0, 1);
        header(VirtioBlock.T_IN, 0);
        d.xfer(0, out(HDR, 16), in(0x1_0000_0000L, 1 << 30), in(STATUS, 1));
        assertThat(blk.mmio().broken()).as("huge buffer outside RAM").isTrue();
        assertThat(disk.log).isEmpty();
    }

    @Test
    void stateRoundTripsMidOperationAndChecksTheDisk() throws Exception {
        d.up(1L << VirtioBlock.F_FLUSH | 1L << VirtioBlock.F_CONFIG_WCE, 1);
        blk.mmio().write(0x100 + 32, 1, 0);
        request(VirtioBlock.T_IN, 0, 512, true);
        header(VirtioBlock.T_IN, 1);
        d.post(0, out(HDR, 16), in(DATA, 512), in(STATUS, 1));
        VirtioBlockState saved = RecordCodec.decode(RecordCodec.encode(blk.saveState()), VirtioBlockState.class);

        VirtioBlock copy = new VirtioBlock(disk, mem, irq::add);
        copy.validateState(saved);
        copy.restoreState(saved);
        assertThat(copy.writeback()).isFalse();
        copy.mmio().write(VirtioMmioTransport.QUEUE_NOTIFY, 4, 0);
        assertThat(mem.load16(TestDriver.queueAddress(0) + 0x1000 + 2)).as("the posted request completes").isEqualTo(2);
        assertThat(mem.load8(STATUS)).isEqualTo(VirtioBlock.S_OK);

        VirtioBlock other = new VirtioBlock(new MemoryDisk(32, false), mem, irq::add);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> other.validateState(saved))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 sectors");
    }
}
