package dev.ferry.machine.device.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.machine.board.GuestFixtures;
import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.memory.DirtyLog;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.RecordCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioBalloonTest {

    private static final long BASE = 0x8000_0000L;
    private static final long BASE_PFN = BASE >>> 12;
    /** Queue 0 lives at RAM + 64 KiB (two pages), queue 1 at + 80 KiB; buffers from + 128 KiB. */
    private static final long Q0 = BASE + 0x1_0000;
    private static final long Q1 = BASE + 0x1_4000;
    private static final long BUF = BASE + 0x2_0000;
    private static final int QSIZE = 16;

    private final GuestMemory mem = new GuestMemory(BASE, 4L << 20);
    private final List<Boolean> irq = new ArrayList<>();
    private final VirtioBalloon balloon = new VirtioBalloon(mem, irq::add);
    private final VirtioMmioTransport t = balloon.mmio();
    private int availIdx;

    private long reg(int off) {
        return t.read(off, 4);
    }

    private void set(int off, long v) {
        t.write(off, 4, v);
    }

    private void setUpQueue(int q, long addr) {
        set(VirtioMmioTransport.QUEUE_SEL, q);
        set(VirtioMmioTransport.QUEUE_NUM, QSIZE);
        set(VirtioMmioTransport.QUEUE_ALIGN, 4096);
        set(VirtioMmioTransport.QUEUE_PFN, addr >>> 12);
    }

    private void driverUp(long features) {
        set(VirtioMmioTransport.STATUS, 0);
        set(VirtioMmioTransport.STATUS, 1);
        set(VirtioMmioTransport.STATUS, 3);
        set(VirtioMmioTransport.GUEST_FEATURES_SEL, 0);
        set(VirtioMmioTransport.GUEST_FEATURES, features);
        set(VirtioMmioTransport.GUEST_PAGE_SIZE, 4096);
        setUpQueue(0, Q0);
        setUpQueue(1, Q1);
        set(VirtioMmioTransport.STATUS, 7);
    }

    private static void desc(GuestMemory m, long table, int i, long addr, int len, int flags, int next) {
        long d = table + 16L * i;
        m.store64(d, addr);
        m.store32(d + 8, len);
        m.store16(d + 12, flags);
        m.store16(d + 14, next);
    }

    private void makeAvailable(long queue, int head) {
        long avail = queue + 16L * QSIZE;
        mem.store16(avail + 4 + 2L * (availIdx % QSIZE), head);
        availIdx++;
        mem.store16(avail + 2, availIdx);
    }

    private int usedIdx(long queue) {
        return mem.load16(queue + 0x1000 + 2);
    }

    private void writePfns(long at, long... pfns) {
        for (int i = 0; i < pfns.length; i++) {
            mem.store32(at + 4L * i, (int) pfns[i]);
        }
    }

    private List<Integer> freePages() {
        return IntStream.range(0, mem.pageCount()).filter(mem::isReportedFree).boxed().toList();
    }

    @Test
    void identifiesAsQemusLegacyBalloon() {
        assertThat(reg(0x000)).isEqualTo(0x7472_6976L);
        assertThat(reg(0x004)).isEqualTo(1);
        assertThat(reg(0x008)).isEqualTo(5);
        assertThat(reg(0x00c)).isEqualTo(0x554d_4551L);
        assertThat(reg(0x010)).isEqualTo(0x3900_0012L);
        set(VirtioMmioTransport.HOST_FEATURES_SEL, 1);
        assertThat(reg(0x010)).isZero();
        for (int q = 0; q < 5; q++) {
            set(VirtioMmioTransport.QUEUE_SEL, q);
            assertThat(reg(VirtioMmioTransport.QUEUE_NUM_MAX)).as("queue %d", q).isEqualTo(q < 3 ? 1024 : 0);
            assertThat(reg(VirtioMmioTransport.QUEUE_NUM)).isZero();
            assertThat(reg(VirtioMmioTransport.QUEUE_PFN)).isZero();
        }
        assertThat(reg(0x100)).isZero();
        assertThat(reg(0x10c)).isZero();
        assertThat(reg(0x110)).isEqualTo(0xffff_ffffL);
        assertThat(t.read(0x10e, 4)).isEqualTo(0xffff_ffffL);
        assertThat(t.read(0x008, 1)).as("registers are 32-bit only").isZero();
        assertThat(t.read(0x000, 8)).isEqualTo(0x1_7472_6976L);
        assertThat(t.accepts(0x1fc, 4)).isTrue();
        assertThat(t.accepts(0x200, 4)).isFalse();
    }

    @Test
    void configSpaceTakesActualOnlyAndSurvivesReset() {
        set(0x104, 0x1234_5678);
        set(0x100, 9);
        assertThat(reg(0x104)).isEqualTo(0x1234_5678);
        assertThat(reg(0x100)).isZero();
        t.write(0x105, 1, 0xab);
        assertThat(reg(0x104)).isEqualTo(0x1234_ab78);
        assertThat(t.read(0x106, 2)).isEqualTo(0x1234);
        set(0x10c, 0xaa);
        assertThat(reg(0x10c)).as("poison value needs PAGE_POISON").isZero();
        driverUp(1L << VirtioBalloon.F_PAGE_POISON);
        set(0x10c, 0xaa);
        assertThat(reg(0x10c)).isEqualTo(0xaa);
        set(VirtioMmioTransport.STATUS, 0);
        assertThat(reg(0x104)).isEqualTo(0x1234_ab78);
        assertThat(reg(VirtioMmioTransport.STATUS)).isZero();
    }

    @Test
    void hostTargetRaisesAConfigInterrupt() {
        balloon.setTargetPages(300);
        assertThat(reg(0x100)).isEqualTo(300);
        assertThat(reg(VirtioMmioTransport.INTERRUPT_STATUS)).isEqualTo(VirtioMmioTransport.INT_CONFIG);
        assertThat(irq).containsExactly(true);
        set(VirtioMmioTransport.INTERRUPT_ACK, VirtioMmioTransport.INT_CONFIG);
        assertThat(reg(VirtioMmioTransport.INTERRUPT_STATUS)).isZero();
        assertThat(irq).containsExactly(true, false);
    }

    @Test
    void negotiatesOnlyOfferedFeatures() {
        set(VirtioMmioTransport.GUEST_FEATURES, 0xffff_ffffL);
        assertThat(t.guestFeatures()).isEqualTo(VirtioBalloon.FEATURES);
        set(VirtioMmioTransport.GUEST_FEATURES_SEL, 1);
        set(VirtioMmioTransport.GUEST_FEATURES, 0xffff_ffffL);
        assertThat(t.guestFeatures()).isEqualTo(VirtioBalloon.FEATURES);
        set(VirtioMmioTransport.GUEST_FEATURES_SEL, 0);
        set(VirtioMmioTransport.GUEST_FEATURES, 0);
        assertThat(t.guestFeatures()).isZero();
    }

    @Test
    void queueSetUpReadsBackAndPfnZeroResets() {
        set(VirtioMmioTransport.QUEUE_SEL, 0);
        set(VirtioMmioTransport.QUEUE_PFN, 0x80400);
        assertThat(reg(VirtioMmioTransport.QUEUE_PFN)).as("page size 1 before GuestPageSize").isEqualTo(0x80400);
        set(VirtioMmioTransport.GUEST_PAGE_SIZE, 4096);
        assertThat(reg(VirtioMmioTransport.QUEUE_PFN)).isEqualTo(0x80);
        driverUp(0);
        set(VirtioMmioTransport.QUEUE_SEL, 1);
        assertThat(reg(VirtioMmioTransport.QUEUE_PFN)).isEqualTo(Q1 >>> 12);
        assertThat(reg(VirtioMmioTransport.STATUS)).isEqualTo(7);
        set(VirtioMmioTransport.QUEUE_PFN, 0);
        assertThat(reg(VirtioMmioTransport.STATUS)).isZero();
        assertThat(reg(VirtioMmioTransport.QUEUE_PFN)).isZero();
    }

    @Test
    void inflateReportsExactlyTheFramesGivenInsideRam() {
        driverUp(0);
        writePfns(BUF, BASE_PFN + 5, BASE_PFN + 7, BASE_PFN + 1023, 0x10, BASE_PFN + 1024, 0xffff_ffffL);
        desc(mem, Q0, 3, BUF, 6 * 4 + 3, 0, 0);
        makeAvailable(Q0, 3);
        DirtyLog log = mem.claimDirtyLog("test");
        irq.clear();
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        assertThat(freePages()).containsExactly(5, 7, 1023);
        assertThat(usedIdx(Q0)).isEqualTo(1);
        assertThat(mem.load32(Q0 + 0x1000 + 4)).as("used id").isEqualTo(3);
        assertThat(mem.load32(Q0 + 0x1000 + 8)).as("used len").isZero();
        assertThat(log.harvest().contains(mem.pageIndex(Q0 + 0x1000))).as("used ring dirty-logged")
                .isTrue();
        assertThat(reg(VirtioMmioTransport.INTERRUPT_STATUS)).isEqualTo(VirtioMmioTransport.INT_VRING);
        assertThat(irq).containsExactly(true);
        set(VirtioMmioTransport.INTERRUPT_ACK, 1);
        assertThat(irq).containsExactly(true, false);
        assertThat(balloon.inflatedPages()).isEqualTo(3);

        mem.store8(BASE + 7 * 4096L + 100, 1);
        assertThat(mem.isReportedFree(7)).as("a write clears the hint").isFalse();
        writePfns(BUF, BASE_PFN + 7);
        desc(mem, Q1, 0, BUF, 4, 0, 0);
        availIdx = 0;
        makeAvailable(Q1, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 1);
        assertThat(usedIdx(Q1)).isEqualTo(1);
        assertThat(freePages()).as("deflate reports nothing").containsExactly(5, 1023);
    }

    @Test
    void framesMaySpanDescriptorsAndWritableBuffersAreSkipped() {
        driverUp(0);
        writePfns(BUF, BASE_PFN + 9, BASE_PFN + 10);
        writePfns(BUF + 0x100, BASE_PFN + 11);
        desc(mem, Q0, 0, BUF, 6, Virtqueue.DESC_F_NEXT, 1);
        desc(mem, Q0, 1, BUF + 0x100, 4, Virtqueue.DESC_F_NEXT | Virtqueue.DESC_F_WRITE, 2);
        desc(mem, Q0, 2, BUF + 6, 2, 0, 0);
        makeAvailable(Q0, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        assertThat(freePages()).containsExactly(9, 10);
        assertThat(t.broken()).isFalse();
    }

    @Test
    void oneBufferOutsideRamReadsAsZerosAsOnQemu() {
        driverUp(0);
        writePfns(BUF, BASE_PFN + 30, BASE_PFN + 31);
        desc(mem, Q0, 0, 0x5000_0000L, 2, Virtqueue.DESC_F_NEXT, 1);
        desc(mem, Q0, 1, BUF, 8, 0, 0);
        makeAvailable(Q0, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        assertThat(t.broken()).isFalse();
        assertThat(usedIdx(Q0)).isEqualTo(1);
        assertThat(freePages()).as("words shifted by the two zero bytes name no RAM page").isEmpty();
    }

    @Test
    void notificationSuppressionIsHonoured() {
        driverUp(0);
        mem.store16(Q0 + 16L * QSIZE, Virtqueue.AVAIL_F_NO_INTERRUPT);
        writePfns(BUF, BASE_PFN + 1);
        desc(mem, Q0, 0, BUF, 4, 0, 0);
        makeAvailable(Q0, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        assertThat(usedIdx(Q0)).isEqualTo(1);
        assertThat(reg(VirtioMmioTransport.INTERRUPT_STATUS)).isZero();
    }

    @Test
    void indirectTablesWorkWithOrWithoutTheFeatureAsOnQemu() {
        long table = BUF + 0x800;
        writePfns(BUF, BASE_PFN + 3);
        writePfns(BUF + 0x40, BASE_PFN + 4);
        desc(mem, table, 0, BUF, 4, Virtqueue.DESC_F_NEXT, 1);
        desc(mem, table, 1, BUF + 0x40, 4, 0, 0);
        desc(mem, Q0, 0, table, 32, Virtqueue.DESC_F_INDIRECT, 0);
        driverUp(0);
        makeAvailable(Q0, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        assertThat(freePages()).containsExactly(3, 4);
        assertThat(t.broken()).isFalse();

        mem.clear();
        availIdx = 0;
        driverUp(1L << Virtqueue.F_INDIRECT_DESC);
        writePfns(BUF, BASE_PFN + 6);
        desc(mem, table, 0, BUF, 4, Virtqueue.DESC_F_INDIRECT, 0);
        desc(mem, Q0, 0, table, 16, Virtqueue.DESC_F_INDIRECT, 0);
        makeAvailable(Q0, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        assertThat(freePages()).as("the flag inside a table marks a plain buffer").containsExactly(6);
        assertThat(t.broken()).isFalse();
    }

    @Test
    void hostileRingsBreakTheDeviceNotTheMachine() {
        record Hostile(String what, Runnable setUp) { }
        List<Hostile> cases = List.of(
                new Hostile("head out of range", () -> makeAvailable(Q0, QSIZE)),
                new Hostile("loop", () -> {
                    desc(mem, Q0, 0, BUF, 4, Virtqueue.DESC_F_NEXT, 1);
                    desc(mem, Q0, 1, BUF, 4, Virtqueue.DESC_F_NEXT, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("self loop", () -> {
                    desc(mem, Q0, 2, BUF, 4, Virtqueue.DESC_F_NEXT, 2);
                    makeAvailable(Q0, 2);
                }),
                new Hostile("next out of range", () -> {
                    desc(mem, Q0, 0, BUF, 4, Virtqueue.DESC_F_NEXT, 999);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("buffer of more than a page outside RAM", () -> {
                    desc(mem, Q0, 0, 0x5000_0000L, 4097, 0, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("two buffers outside RAM", () -> {
                    desc(mem, Q0, 0, 0x5000_0000L, 4, Virtqueue.DESC_F_NEXT, 1);
                    desc(mem, Q0, 1, 0x5000_1000L, 4, 0, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("buffer running past RAM", () -> {
                    desc(mem, Q0, 0, BASE + (4L << 20) - 4, 8, 0, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("huge length", () -> {
                    desc(mem, Q0, 0, BUF, -1, 0, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("available index jumps", () -> mem.store16(Q0 + 16L * QSIZE + 2, QSIZE + 1)),
                new Hostile("ring outside RAM", () -> {
                    set(VirtioMmioTransport.QUEUE_SEL, 0);
                    set(VirtioMmioTransport.QUEUE_PFN, 0x7ffff);
                }),
                new Hostile("indirect table of odd size", () -> {
                    desc(mem, Q0, 0, BUF, 20, Virtqueue.DESC_F_INDIRECT, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("indirect table outside RAM", () -> {
                    desc(mem, Q0, 0, 0x5000_0000L, 16, Virtqueue.DESC_F_INDIRECT, 0);
                    makeAvailable(Q0, 0);
                }),
                new Hostile("loop in an indirect table", () -> {
                    desc(mem, BUF, 0, BUF, 4, Virtqueue.DESC_F_NEXT, 1);
                    desc(mem, BUF, 1, BUF, 4, Virtqueue.DESC_F_NEXT, 0);
                    desc(mem, Q0, 0, BUF, 32, Virtqueue.DESC_F_INDIRECT, 0);
                    makeAvailable(Q0, 0);
                }));
        for (Hostile h : cases) {
            mem.clear();
            availIdx = 0;
            driverUp(0);
            h.setUp().run();
            set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
            assertThat(t.broken()).as(h.what()).isTrue();
            assertThat(freePages()).as(h.what()).isEmpty();
            writePfns(BUF + 0x400, BASE_PFN + 1);
            desc(mem, Q0, 5, BUF + 0x400, 4, 0, 0);
            availIdx = mem.load16(Q0 + 16L * QSIZE + 2);
            makeAvailable(Q0, 5);
            set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
            assertThat(freePages()).as("%s: a broken device ignores the queue", h.what()).isEmpty();
        }
        set(VirtioMmioTransport.STATUS, 0);
        assertThat(t.broken()).as("reset repairs").isFalse();
    }

    @Test
    void notifyingAQueueThatIsNotSetUpDoesNothing() {
        irq.clear();
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 2);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 99);
        set(VirtioMmioTransport.QUEUE_NOTIFY, -1);
        assertThat(t.broken()).isFalse();
        assertThat(irq).isEmpty();
    }

    @Test
    void stateRoundTripsAndProcessingContinues() throws Exception {
        driverUp(1L << Virtqueue.F_EVENT_IDX);
        writePfns(BUF, BASE_PFN + 20);
        desc(mem, Q0, 0, BUF, 4, 0, 0);
        makeAvailable(Q0, 0);
        set(VirtioMmioTransport.QUEUE_NOTIFY, 0);
        set(0x104, 1);
        balloon.setTargetPages(40);
        VirtioBalloonState saved = balloon.saveState();
        VirtioBalloonState decoded = RecordCodec.decode(RecordCodec.encode(saved), VirtioBalloonState.class);
        assertThat(RecordCodec.encode(decoded)).isEqualTo(RecordCodec.encode(saved));

        VirtioBalloon copy = new VirtioBalloon(mem, high -> { });
        copy.restoreState(decoded);
        assertThat(RecordCodec.encode(copy.saveState())).isEqualTo(RecordCodec.encode(saved));
        assertThat(copy.mmio().read(0x104, 4)).isEqualTo(1);
        assertThat(copy.mmio().read(VirtioMmioTransport.INTERRUPT_STATUS, 4)).isEqualTo(3);
        writePfns(BUF + 0x10, BASE_PFN + 21);
        desc(mem, Q0, 1, BUF + 0x10, 4, 0, 0);
        makeAvailable(Q0, 1);
        copy.mmio().write(VirtioMmioTransport.QUEUE_NOTIFY, 4, 0);
        assertThat(freePages()).containsExactly(20, 21);
        assertThat(usedIdx(Q0)).isEqualTo(2);
        assertThat(mem.load16(Q0 + 0x1000 + 4 + 8L * QSIZE)).as("avail_event").isEqualTo(2);
    }

    @Test
    void validateRejectsStateOfAnotherShape() {
        VirtioBalloonState s = balloon.saveState();
        VirtioMmioState tr = s.transport();
        VirtioBalloonState fewQueues = new VirtioBalloonState(new VirtioMmioState(0, 0, 0, 0, 0, 0, 0, false,
                tr.queues().subList(0, 2)), 0, 0, 0);
        VirtioBalloonState badQueue = new VirtioBalloonState(new VirtioMmioState(0, 0, 0, 0, 0, 0, 0, false,
                List.of(new VirtqueueState(0, 0, 4096, 0, 0), tr.queues().get(1), tr.queues().get(2))), 0, 0, 0);
        VirtioBalloonState badFeatures = new VirtioBalloonState(new VirtioMmioState(0, 0, 1L << 40, 0, 0, 0, 0,
                false, tr.queues()), 0, 0, 0);
        for (VirtioBalloonState bad : List.of(fewQueues, badQueue, badFeatures)) {
            assertThatThrownBy(() -> balloon.validateState(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void balloonWorkloadResumesFromASnapshotToTheSameState(@TempDir Path dir) throws Exception {
        long mid = 7_000_000L;
        long end = 25_000_000L;
        VirtMachine straight = bootBalloonWorkload();
        straight.run(end);
        assertThat(straight.balloon().inflatedPages()).as("the guest inflated the balloon").isPositive();

        VirtMachine first = bootBalloonWorkload();
        first.run(mid);
        Path file = dir.resolve("mid.state");
        first.saveState(file);
        VirtMachine resumed = VirtMachine.fromStateFile(file, new ByteArrayOutputStream());
        resumed.run(end);
        assertThat(resumed.stateHash()).isEqualTo(straight.stateHash());
        VirtioBalloonState state = (VirtioBalloonState) resumed.componentStates().get(VirtMachine.BALLOON);
        assertThat(state.transport().queues().get(0).usedIdx()).as("inflate buffers used").isPositive();
        assertThat(state.transport().status()).isEqualTo(7);
    }

    private static VirtMachine bootBalloonWorkload() throws Exception {
        VirtMachine m = new VirtMachine(new MachineConfig(16L << 20, true, "size=1M passes=0 reread=2",
                new ByteArrayOutputStream()).withBalloon(true));
        m.boot(GuestFixtures.image("balloon"));
        return m;
    }

    @Test
    void machineAttachesTheBalloonInSlot7OnlyWhenAsked(@TempDir Path dir) throws Exception {
        VirtMachine plain = new VirtMachine(new MachineConfig(8L << 20, true, "", new ByteArrayOutputStream()));
        assertThat(plain.balloon()).isNull();
        assertThat(plain.componentStates()).doesNotContainKey(VirtMachine.BALLOON);

        VirtMachine m = new VirtMachine(new MachineConfig(8L << 20, true, "", new ByteArrayOutputStream())
                .withBalloon(true));
        assertThat(m.balloon()).isNotNull();
        assertThat(m.componentStates()).containsKey(VirtMachine.BALLOON);
        m.balloon().setTargetPages(12);
        Path file = dir.resolve("vm.state");
        m.saveState(file);
        VirtMachine restored = VirtMachine.fromStateFile(file, new ByteArrayOutputStream());
        assertThat(restored.balloon()).isNotNull();
        assertThat(restored.balloon().targetPages()).isEqualTo(12);
        assertThat(restored.stateHash()).isEqualTo(m.stateHash());
        assertThat(Files.size(file)).isPositive();
    }
}
