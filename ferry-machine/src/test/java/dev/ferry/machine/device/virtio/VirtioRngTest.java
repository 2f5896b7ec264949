package dev.ferry.machine.device.virtio;

import static dev.ferry.machine.device.virtio.TestDriver.BUF;
import static dev.ferry.machine.device.virtio.TestDriver.in;
import static dev.ferry.machine.device.virtio.TestDriver.out;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.RecordCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioRngTest {

    private final GuestMemory mem = TestDriver.memory();
    private final List<Boolean> irq = TestDriver.irqLog();

    private byte[] take(TestDriver d, int len) {
        assertThat(d.xfer(0, in(BUF, len))).isEqualTo(len);
        byte[] b = new byte[len];
        mem.readBytes(BUF, b, 0, len);
        return b;
    }

    @Test
    void fillsEveryWritableByteAndOffersQemusFeatures() {
        VirtioRng rng = VirtioRng.secure(mem, irq::add);
        TestDriver d = new TestDriver(mem, rng.mmio(), irq);
        assertThat(d.reg(VirtioMmioTransport.HOST_FEATURES)).isEqualTo(0x3900_0000L);
        d.up(0, 1);
        assertThat(d.xfer(0, in(BUF, 100), in(BUF + 0x1000, 300))).isEqualTo(400);
        byte[] b = new byte[300];
        mem.readBytes(BUF + 0x1000, b, 0, 300);
        assertThat(b).as("300 random bytes are not all zero").isNotEqualTo(new byte[300]);
        assertThat(irq).contains(true);
    }

    @Test
    void deterministicStreamContinuesAcrossSaveAndRestore() throws Exception {
        VirtioRng a = VirtioRng.deterministic(mem, irq::add);
        TestDriver da = new TestDriver(mem, a.mmio(), irq);
        da.up(0, 1);
        take(da, 64);
        VirtioRngState saved = RecordCodec.decode(RecordCodec.encode(a.saveState()), VirtioRngState.class);
        byte[] next = take(da, 64);

        VirtioRng b = VirtioRng.deterministic(mem, irq::add);
        b.validateState(saved);
        b.restoreState(saved);
        TestDriver db = new TestDriver(mem, b.mmio(), irq);
        byte[] again = replay(db);
        assertThat(again).isEqualTo(next);

        VirtioRng fresh = VirtioRng.deterministic(mem, irq::add);
        TestDriver df = new TestDriver(mem, fresh.mmio(), irq);
        df.up(0, 1);
        assertThat(take(df, 64)).as("a fresh device starts at the seed, not mid-stream").isNotEqualTo(next);
        assertThatThrownBy(() -> VirtioRng.secure(mem, irq::add).validateState(saved))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deterministic");
    }

    /** Posts a 64-byte buffer as the second chain of the restored queue and returns what the device wrote. */
    private byte[] replay(TestDriver d) {
        long table = TestDriver.queueAddress(0);
        mem.store64(table + 16, BUF);
        mem.store32(table + 24, 64);
        mem.store16(table + 28, 2);
        long avail = table + 16L * TestDriver.QSIZE;
        mem.store16(avail + 4 + 2, 1);
        mem.store16(avail + 2, 2);
        d.notify(0);
        assertThat(mem.load16(table + 0x1000 + 2)).isEqualTo(2);
        byte[] b = new byte[64];
        mem.readBytes(BUF, b, 0, 64);
        return b;
    }

    @Test
    void aReadableBufferBreaksNothingButTheDevice() {
        VirtioRng rng = VirtioRng.deterministic(mem, irq::add);
        TestDriver d = new TestDriver(mem, rng.mmio(), irq);
        d.up(0, 1);
        d.xfer(0, in(BUF, 8), out(BUF + 64, 8));
        assertThat(rng.mmio().broken()).isTrue();
    }
}
