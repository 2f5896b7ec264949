package dev.ferry.machine.board;

import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.device.BootRom;
import dev.ferry.machine.device.BootRomState;
import dev.ferry.machine.cpu.CpuState;
import dev.ferry.machine.device.Clint;
import dev.ferry.machine.device.CloneIdentity;
import dev.ferry.machine.device.CloneIdentityState;
import dev.ferry.machine.device.ClintState;
import dev.ferry.machine.device.GoldfishRtc;
import dev.ferry.machine.device.GoldfishRtcState;
import dev.ferry.machine.device.MmioDevice;
import dev.ferry.machine.device.Plic;
import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.device.PowerControl;
import dev.ferry.machine.device.SystemBus;
import dev.ferry.machine.device.TestFinisher;
import dev.ferry.machine.device.Uart16550;
import dev.ferry.machine.device.UartState;
import dev.ferry.machine.device.VirtioMmioSlot;
import dev.ferry.machine.device.block.BlockBackend;
import dev.ferry.machine.device.block.MovableDisk;
import dev.ferry.machine.device.virtio.VirtioBalloon;
import dev.ferry.machine.device.virtio.VirtioBalloonState;
import dev.ferry.machine.device.virtio.VirtioBlock;
import dev.ferry.machine.device.virtio.VirtioNet;
import dev.ferry.machine.device.virtio.VirtioRng;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.ComponentRoster;
import dev.ferry.machine.state.LoadedState;
import dev.ferry.machine.state.MachineStateFile;
import dev.ferry.machine.state.Snapshottable;
import dev.ferry.machine.state.StateFormatException;
import dev.ferry.machine.state.StateHasher;
import dev.ferry.machine.time.GuestClock;
import dev.ferry.machine.time.RealTimeClock;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One RISC-V machine with the memory map of QEMU's {@code virt} board: RAM at {@code 0x8000_0000}, a 16550
 * UART, CLINT, PLIC, the {@code sifive_test} finisher, the Goldfish RTC and eight virtio-mmio slots holding the
 * configured virtio devices. The same guest ELF runs here and under
 * {@code qemu-system-riscv64 -machine virt -bios none -kernel}.
 *
 * <p>Virtio slots are filled as QEMU fills them: each {@code -device virtio-*-device} takes the highest free slot,
 * in command-line order. Ferry's order is the balloon, then the drives, then the network interfaces, then the
 * entropy device, so the machine matches QEMU given {@code -device virtio-balloon-device}, then for each drive
 * {@code -drive file=F,format=raw,if=none,id=hdN -device virtio-blk-device,drive=hdN}, then for each interface
 * {@code -netdev ...,id=netN -device virtio-net-device,netdev=netN,mac=M}, then {@code -device virtio-rng-device}
 * (a lone balloon sits in slot 7, as before). See {@link #virtioSlots(MachineConfig)}.
 *
 * <p>Its stateful parts are listed once, in its {@link #roster()}, which saving, hashing, restoring and
 * migration all go through; a restore validates everything before it changes anything.
 *
 * <p>The vCPU runs on the thread that calls {@link #run}. Other threads reach the machine through
 * {@link #requestStop()} and {@link #atSafepoint}, which runs a task on the vCPU thread between two
 * instructions — the place where dirty-log harvests and state captures are consistent.
 */
public final class VirtMachine {

    /** Guest-physical address of RAM. */
    public static final long RAM_BASE = 0x8000_0000L;
    /** The sifive_test finisher. */
    public static final long TEST_BASE = TestFinisher.BASE;
    /** The core-local interruptor. */
    public static final long CLINT_BASE = Clint.BASE;
    /** The platform-level interrupt controller. */
    public static final long PLIC_BASE = Plic.BASE;
    /** The first UART. */
    public static final long UART0_BASE = Uart16550.BASE;
    /** PLIC source of the first UART. */
    public static final int UART0_IRQ = Plic.UART0_IRQ;
    /** The first virtio-mmio slot; slot {@code i} is at {@code VIRTIO_BASE + i * 0x1000}, IRQ {@code 1 + i}. */
    public static final long VIRTIO_BASE = VirtioMmioSlot.BASE;
    /** Number of virtio-mmio slots. */
    public static final int VIRTIO_SLOTS = VirtioMmioSlot.COUNT;
    /** The slot of the balloon: QEMU places the first {@code -device} in the highest-numbered free slot. */
    public static final int BALLOON_SLOT = 7;
    /** Roster id of the board's own state. */
    public static final String BOARD = "board";
    /** QEMU {@code virt}'s boot ROM (reset vector and {@code fw_dynamic} information), present for kernel boots. */
    public static final long MROM_BASE = BootRom.BASE;
    /** Roster id of the boot ROM. */
    public static final String MROM = "mrom";
    /** Roster id of the balloon: named by its slot, as every virtio device is. */
    public static final String BALLOON = virtioId(BALLOON_SLOT);
    /** Roster id of the real-time clock. */
    public static final String RTC = "rtc";
    /** Roster id of the identity registers, present on kernel boots (with the boot ROM). */
    public static final String IDENTITY = "identity";

    private volatile MachineConfig config;
    private final GuestMemory ram;
    private final SystemBus bus = new SystemBus();
    private final RealTimeClock realTime;
    private final Cpu cpu;
    private final Clint clint;
    private final Plic plic;
    private final Uart16550 uart;
    private final TestFinisher finisher;
    private final VirtioBalloon balloon;
    private final GoldfishRtc rtc;
    private final List<VirtioBlock> disks = new ArrayList<>();
    private final List<VirtioNet> nics = new ArrayList<>();
    private final VirtioRng rng;
    private final BootRom bootRom;
    private final CloneIdentity identity;
    private final ComponentRoster roster;
    private final Queue<Runnable> safepointTasks = new ArrayDeque<>();
    private final HostTimer alarmTimer = new HostTimer();

    private volatile boolean poweredOff;
    private volatile boolean stopRequested;
    private volatile int exitCode;
    private long fdtAddress;

    /**
     * Builds a powered-on machine with zeroed RAM and devices at reset; load an image with {@link #boot}.
     *
     * @throws DeviceAttachException if a drive's image or a network back end cannot be attached (the message is
     *                               one line for the user)
     * @throws IllegalArgumentException if the configuration has more virtio devices than slots
     */
    public VirtMachine(MachineConfig config) {
        this(config, DeviceBackends.STANDARD);
    }

    /**
     * Builds a machine whose disks and network interfaces get their back ends from {@code backends} (the storage
     * layer's images, the network layer's switch ports); otherwise as {@link #VirtMachine(MachineConfig)}.
     */
    public VirtMachine(MachineConfig config, DeviceBackends backends) {
        this(config, backends, new GuestMemory(RAM_BASE, config.ramSize()));
    }

    /**
     * Builds a machine on {@code ram} (a clone's, mapped from its parent's snapshot) instead of fresh zeroed RAM;
     * the machine owns it from now on, and closes it if this constructor fails. Otherwise as
     * {@link #VirtMachine(MachineConfig, DeviceBackends)}.
     *
     * @throws IllegalArgumentException if {@code ram} is not at {@link #RAM_BASE} of the configured size
     */
    public VirtMachine(MachineConfig config, DeviceBackends backends, GuestMemory ram) {
        this.config = config;
        try {
            virtioSlots(config);
            if (ram.base() != RAM_BASE || ram.size() != config.ramSize()) {
                throw new IllegalArgumentException("the RAM given is not the configured " + (config.ramSize() >> 20)
                        + " MiB at 0x80000000");
            }
        } catch (RuntimeException e) {
            ram.close();
            throw e;
        }
        this.ram = ram;
        this.realTime = config.deterministic() ? null : new RealTimeClock();
        this.cpu = new Cpu(ram, bus, realTime);
        this.clint = new Clint(cpu.clock(), cpu);
        cpu.setTimerCompare(clint::mtimecmp);
        this.plic = new Plic(cpu);
        this.uart = new Uart16550(config.console(), plic.line(UART0_IRQ));
        this.finisher = new TestFinisher(new PowerControl() {
            @Override
            public void powerOff(int code) {
                exitCode = code;
                poweredOff = true;
                cpu.requestStop();
            }

            @Override
            public void reset() {
                exitCode = 0;
                poweredOff = true;
                cpu.requestStop();
            }
        });
        bus.map(TEST_BASE, finisher);
        bus.map(CLINT_BASE, clint);
        bus.map(PLIC_BASE, plic);
        bus.map(UART0_BASE, uart);
        this.rtc = config.deterministic()
                ? GoldfishRtc.deterministic(plic.line(GoldfishRtc.IRQ), cpu.clock(), cpu::requestStop)
                : GoldfishRtc.realTime(plic.line(GoldfishRtc.IRQ), this::scheduleAlarm);
        bus.map(GoldfishRtc.BASE, rtc);
        this.bootRom = config.mrom() ? new BootRom() : null;
        if (bootRom != null) {
            bus.map(MROM_BASE, bootRom);
        }
        this.identity = config.mrom() ? new CloneIdentity() : null;
        if (identity != null) {
            bus.map(CloneIdentity.BASE, identity);
        }
        ComponentRoster.Builder components = ComponentRoster.builder()
                .add(BOARD, BoardState.class, new Board());
        if (bootRom != null) {
            components.add(MROM, BootRomState.class, bootRom);
        }
        components
                .add("cpu", CpuState.class, cpu)
                .add("clint", ClintState.class, clint)
                .add("plic", PlicState.class, plic)
                .add("uart0", UartState.class, uart)
                .add(RTC, GoldfishRtcState.class, rtc);
        if (identity != null) {
            components.add(IDENTITY, CloneIdentityState.class, identity);
        }
        VirtioDevices virtio = new VirtioDevices(config, ram, plic, components);
        try {
            this.balloon = virtio.balloon();
            virtio.addDrives(disks, backends.disks());
            virtio.addNics(nics, backends.nets(), net -> atSafepoint(() -> {
                net.deliverPending();
                return null;
            }));
            this.rng = virtio.rng();
        } catch (IOException e) {
            virtio.close();
            ram.close();
            throw new DeviceAttachException(e.getMessage(), e);
        } catch (RuntimeException e) {
            virtio.close();
            ram.close();
            throw e;
        }
        for (int i = 0; i < VIRTIO_SLOTS; i++) {
            MmioDevice d = virtio.slot(i);
            bus.map(VirtioMmioSlot.base(i), d != null ? d : new VirtioMmioSlot());
        }
        this.roster = components.build();
    }

    /**
     * The slot of every virtio device {@code config} asks for, in QEMU's order: balloon, drives, interfaces,
     * entropy device, each in the highest free slot.
     *
     * @throws IllegalArgumentException if there are more than {@value VirtioMmioSlot#COUNT}
     */
    public static List<Integer> virtioSlots(MachineConfig config) {
        int n = (config.balloon() ? 1 : 0) + config.drives().size() + config.nics().size() + (config.rng() ? 1 : 0);
        if (n > VIRTIO_SLOTS) {
            throw new IllegalArgumentException("the machine has " + VIRTIO_SLOTS + " virtio-mmio slots, the "
                    + "configuration asks for " + n + " virtio devices");
        }
        List<Integer> slots = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slots.add(VIRTIO_SLOTS - 1 - i);
        }
        return slots;
    }

    /** The configuration this machine was built with. */
    public MachineConfig config() {
        return config;
    }

    /** Guest RAM, with its migration views. */
    public GuestMemory memory() {
        return ram;
    }

    /** The virtio balloon, or {@code null} when the configuration has none. */
    public VirtioBalloon balloon() {
        return balloon;
    }

    /** The identity registers a clone's guest reads, or {@code null} (machines that boot no kernel). */
    public CloneIdentity identity() {
        return identity;
    }

    /** The real-time clock. */
    public GoldfishRtc rtc() {
        return rtc;
    }

    /** The virtio-blk devices, one per configured drive, in configuration order. */
    public List<VirtioBlock> disks() {
        return List.copyOf(disks);
    }

    /**
     * The disks under the virtio-blk devices, one per configured drive, in configuration order: what a migration
     * logs, reads and fills block by block.
     */
    public List<MovableDisk> movableDisks() {
        List<MovableDisk> list = new ArrayList<>(disks.size());
        for (VirtioBlock d : disks) {
            list.add((MovableDisk) d.backend());
        }
        return list;
    }

    /**
     * Switches disk {@code index} to {@code drive}, already opened as {@code backend} (a live snapshot's overlay,
     * showing the same bytes), and returns the back end it replaces for the caller to close; the configuration
     * names the new drive from now on. vCPU stopped.
     *
     * @throws IllegalArgumentException if the back end's size or read-only flag differs from the disk's
     */
    public BlockBackend replaceDrive(int index, DriveConfig drive, BlockBackend backend) {
        MovableDisk disk = (MovableDisk) disks.get(index).backend();
        if (backend.readOnly() != disk.readOnly()) {
            throw new IllegalArgumentException("a replacement back end must have the disk's read-only flag");
        }
        BlockBackend old = disk.inner();
        disk.replaceInner(backend);
        List<DriveConfig> drives = new ArrayList<>(config.drives());
        drives.set(index, drive);
        config = config.withDrives(drives);
        return old;
    }

    /** The virtio-net devices, one per configured interface, in configuration order. */
    public List<VirtioNet> nics() {
        return List.copyOf(nics);
    }

    /**
     * Asks every guest network driver that supports it to announce itself (gratuitous ARP), as QEMU does on the
     * target once a migration completes, so switches learn where the VM went; returns how many were asked. Run it
     * at a safepoint or while the vCPU is stopped.
     */
    public int announceNetworks() {
        int asked = 0;
        for (VirtioNet n : nics) {
            if (n.announce()) {
                asked++;
            }
        }
        return asked;
    }

    /** The virtio-rng device, or {@code null} when the configuration has none. */
    public VirtioRng rng() {
        return rng;
    }

    /** The hart. */
    public Cpu cpu() {
        return cpu;
    }

    /** Retired instructions (in deterministic mode also the clock). */
    public long instructions() {
        return cpu.instret();
    }

    /** True once the guest wrote the finisher. */
    public boolean poweredOff() {
        return poweredOff;
    }

    /** The guest's exit code (0 = pass), valid once {@link #poweredOff()}. */
    public int exitCode() {
        return exitCode;
    }

    /**
     * Loads an image and puts the hart at its entry as QEMU's reset does: {@code a0} = hart id 0,
     * {@code a1} = address of the device tree, which lies at the top of RAM.
     *
     * @throws ImageFormatException if a segment falls outside RAM or overlaps the device tree, or the image file
     *                              can no longer be read
     */
    public void boot(ElfImage image) throws ImageFormatException {
        byte[] fdt = deviceTree(Chosen.bootArgsOnly(config.bootArgs()));
        long fdtAddr = deviceTreeAddress(config.ramSize(), fdt.length);
        long ramEnd = RAM_BASE + config.ramSize();
        for (ElfImage.Segment s : image.segments()) {
            long start = s.physAddr();
            long end = start + s.memSize();
            if (start < RAM_BASE || end > ramEnd || end < start) {
                if (start >= RAM_BASE && start < ramEnd + (64L << 30)) {
                    throw new ImageFormatException(String.format(
                            "%s: image needs RAM up to 0x%x but the machine has %d MiB (ends at 0x%x); use a larger --mem",
                            image.path(), end, config.ramSize() >> 20, ramEnd));
                }
                throw new ImageFormatException(String.format("%s: segment at 0x%x is outside RAM (0x%x-0x%x)",
                        image.path(), start, RAM_BASE, ramEnd));
            }
            if (end > fdtAddr) {
                throw new ImageFormatException(String.format(
                        "%s: image needs RAM up to 0x%x, which overlaps the device tree at 0x%x; use a larger --mem",
                        image.path(), end, fdtAddr));
            }
        }
        image.copySegments(ram::writeBytes);
        ram.writeBytes(fdtAddr, fdt, 0, fdt.length);
        this.fdtAddress = fdtAddr;
        cpu.reset(image.entry());
        cpu.setReg(10, 0);
        cpu.setReg(11, fdtAddr);
    }

    /**
     * Boots a kernel as QEMU 7.2's {@code virt} board does ({@link KernelBoot}): loads firmware, kernel, initrd and
     * device tree, fills the boot ROM, and leaves the hart in M mode at the start address with the registers the
     * ROM's reset vector sets: {@code a0} = hart id 0, {@code a1} = device tree, {@code a2} = {@code fw_dynamic}
     * information, {@code t0} = start address. (QEMU starts the hart at {@code 0x1000} and runs those six
     * instructions; Ferry's CPU executes from RAM only, so the machine sets their result directly — the ROM still
     * holds the same words for anything that reads it.) In real-time mode {@code /chosen} gets a fresh 32-byte
     * {@code rng-seed} as on QEMU; in deterministic mode none, so the run stays a function of its inputs.
     *
     * @throws ImageFormatException if something does not fit in RAM, overlaps something else, or can no longer
     *                              be read
     * @throws IllegalStateException if the machine was built without the boot ROM ({@link MachineConfig#mrom()})
     */
    public BootLayout boot(BootFiles files) throws ImageFormatException {
        if (bootRom == null) {
            throw new IllegalStateException("a kernel boot needs the boot ROM: build the machine with withMrom(true)");
        }
        byte[] seed = new byte[config.deterministic() ? 0 : 32];
        new SecureRandom().nextBytes(seed);
        KernelBoot plan = KernelBoot.plan(config.ramSize(), config.bootArgs(), seed, files, this::deviceTree);
        plan.load(ram::writeBytes);
        bootRom.load(plan.bootRom());
        BootLayout layout = plan.layout();
        this.fdtAddress = layout.fdtAddress();
        cpu.reset(layout.startAddress());
        cpu.setReg(5, layout.startAddress());
        cpu.setReg(10, 0);
        cpu.setReg(11, layout.fdtAddress());
        cpu.setReg(12, KernelBoot.infoAddress());
        return layout;
    }

    /** This machine's device tree with {@code chosen} in {@code /chosen}; both boot paths build it here. */
    private byte[] deviceTree(Chosen chosen) {
        return VirtDeviceTree.build(config.ramSize(), chosen, identity != null);
    }

    /** Address of the device tree: as QEMU places it, 2 MiB-aligned below min(RAM end, 3 GiB). */
    public static long deviceTreeAddress(long ramSize, int fdtSize) {
        long ramEnd = RAM_BASE + ramSize;
        long top = Math.min(ramEnd, 3L << 30);
        return (top - fdtSize) & ~((2L << 20) - 1);
    }

    /** Where the device tree was placed by {@link #boot}. */
    public long deviceTreeAddress() {
        return fdtAddress;
    }

    /** Why {@link #run} returned. */
    public enum Exit {
        /** The guest wrote the finisher; see {@link #exitCode()}. */
        POWERED_OFF,
        /** The instruction limit was reached. */
        LIMIT_REACHED,
        /** {@link #requestStop()} was called. */
        STOPPED
    }

    /**
     * Runs the vCPU on the calling thread until the guest powers off, {@link #instructions()} reaches
     * {@code instructionLimit}, or another thread calls {@link #requestStop()}. Safepoint tasks run in between.
     */
    public Exit run(long instructionLimit) {
        if (realTime != null) {
            realTime.start();
        }
        try {
            while (true) {
                runSafepointTasks();
                if (poweredOff) {
                    return Exit.POWERED_OFF;
                }
                if (stopRequested) {
                    stopRequested = false;
                    return Exit.STOPPED;
                }
                if (cpu.instret() >= instructionLimit) {
                    return Exit.LIMIT_REACHED;
                }
                cpu.run(deviceDeadline(instructionLimit));
                rtc.poll();
            }
        } finally {
            if (realTime != null) {
                realTime.stop();
            }
            runSafepointTasks();
        }
    }

    /**
     * In deterministic mode the tick at which the RTC's alarm fires bounds a run slice, so it fires at the same
     * instruction in every run; in real-time mode a host timer brings the vCPU to a safepoint instead.
     */
    private long deviceDeadline(long limit) {
        if (realTime != null) {
            return limit;
        }
        long at = rtc.alarmSourceNanos();
        if (at == Long.MAX_VALUE) {
            return limit;
        }
        long nanosPerTick = 1_000_000_000L / GuestClock.FREQUENCY_HZ;
        long tick = Math.max(0, at) / nanosPerTick + (Math.max(0, at) % nanosPerTick == 0 ? 0 : 1);
        return Long.compareUnsigned(tick, limit) < 0 ? Math.max(tick, cpu.instret() + 1) : limit;
    }

    /** Real-time mode: (re)schedules the host timer that polls the RTC at its alarm. */
    private void scheduleAlarm() {
        if (rtc == null) {
            return;
        }
        long at = rtc.alarmSourceNanos();
        alarmTimer.schedule(at == Long.MAX_VALUE ? -1 : Math.max(0, at - GoldfishRtc.hostNanos()),
                () -> atSafepoint(() -> {
                    rtc.poll();
                    return null;
                }));
    }

    /**
     * Makes {@link #run} return at the next instruction boundary (or the next call return at once, when none
     * is running). Thread-safe.
     */
    public void requestStop() {
        stopRequested = true;
        cpu.requestStop();
    }

    /**
     * Runs {@code task} on the vCPU thread between two instructions (or right away on the calling thread when
     * no vCPU is running it later) and returns its result. Run by {@link #run} while it runs.
     */
    public <T> CompletableFuture<T> atSafepoint(Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        synchronized (safepointTasks) {
            safepointTasks.add(() -> {
                try {
                    result.complete(task.get());
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                }
            });
        }
        cpu.requestStop();
        return result;
    }

    /** Runs queued safepoint tasks now; for a caller that owns the stopped vCPU. */
    public void runSafepointTasks() {
        while (true) {
            Runnable task;
            synchronized (safepointTasks) {
                task = safepointTasks.poll();
            }
            if (task == null) {
                return;
            }
            task.run();
        }
    }

    /**
     * Gives guest RAM back to the operating system. The machine must not run or be read afterwards (accesses
     * fail with {@link IllegalStateException}); call it once a VM is discarded. Idempotent.
     */
    public void close() {
        alarmTimer.cancel();
        for (VirtioBlock d : disks) {
            VirtioDevices.closeQuietly(d.backend());
        }
        for (VirtioNet n : nics) {
            VirtioDevices.closeQuietly(n.backend());
        }
        ram.close();
    }

    /**
     * Feeds one byte of console input to the UART. Thread-safe.
     *
     * @return false when the UART's host-side buffer is full and the byte was not taken (offer it again later)
     */
    public boolean consoleInput(byte b) {
        return uart.receive(b);
    }

    // ---------------------------------------------------------------- state

    /** The machine's migratable components, in the order they are restored. */
    public ComponentRoster roster() {
        return roster;
    }

    /** The guest-visible state of every component, by roster id, in roster order. vCPU stopped only. */
    public Map<String, Record> componentStates() {
        return roster.save();
    }

    /** SHA-256 of the complete guest-visible state: CPU, devices and all of memory. vCPU stopped only. */
    public String stateHash() {
        return StateHasher.hash(roster, ram);
    }

    /** Writes the machine's state to {@code file} (atomically). vCPU stopped only. */
    public void saveState(Path file) throws IOException {
        MachineStateFile.write(file, roster, ram);
    }

    /**
     * Replaces this machine's state with a saved state: memory and every component. Every record is decoded and
     * validated, and the RAM geometry checked, before anything changes, so a bad state leaves the machine as it
     * was. vCPU stopped only.
     *
     * @throws StateFormatException if a component is missing, unknown, of another type or layout, or rejected by
     *                              its component, or the RAM does not fit
     */
    public void restoreState(LoadedState saved) throws StateFormatException {
        ComponentRoster.Validated components = roster.check(saved.components());
        saved.checkMemory(ram);
        saved.applyMemory(ram);
        roster.restore(components);
    }

    /**
     * Restores the CPU and devices from records as {@link #componentStates()} returns them, leaving memory
     * alone. Every record is validated before any is applied, so a bad set leaves the machine as it was. vCPU
     * stopped only.
     *
     * @throws StateFormatException if a component is missing, unknown, of the wrong type, rejected by its
     *                              component, or for another RAM size or mode
     */
    public void restoreComponents(Map<String, ? extends Record> states) throws StateFormatException {
        roster.restore(roster.check(states));
    }

    /**
     * Restores the CPU and devices from a set this machine's {@link #roster()} validated, leaving memory alone:
     * for a migration target, whose memory arrives page by page. Cannot fail. vCPU stopped only.
     */
    public void restoreComponents(ComponentRoster.Validated states) {
        roster.restore(states);
    }

    /** Roster id of the device in virtio-mmio slot {@code slot}: its device-tree node name. */
    public static String virtioId(int slot) {
        return String.format("virtio_mmio@%x", VirtioMmioSlot.base(slot));
    }

    /** The board's own state: RAM size and mode (which a restored state must match) and the real-time clock. */
    private final class Board implements Snapshottable<BoardState> {

        @Override
        public BoardState saveState() {
            return new BoardState(config.ramSize(), config.deterministic(), realTime == null ? 0 : realTime.mtime());
        }

        @Override
        public void validateState(BoardState board) {
            if (board.ramSize() != config.ramSize() || board.deterministic() != config.deterministic()) {
                throw new IllegalArgumentException(String.format(
                        "state is for %d MiB of RAM in %s mode, the machine has %d MiB in %s mode",
                        board.ramSize() >> 20, mode(board.deterministic()), config.ramSize() >> 20,
                        mode(config.deterministic())));
            }
        }

        /** Sets the real-time clock and powers the machine on (a saved machine was running). */
        @Override
        public void restoreState(BoardState board) {
            if (realTime != null) {
                realTime.set(board.realTimeMtime());
            }
            poweredOff = false;
        }

        private static String mode(boolean deterministic) {
            return deterministic ? "deterministic" : "real-time";
        }
    }

    /**
     * True when {@code saved} has a balloon: its slot holds a balloon's record (with drives and no balloon, a disk
     * takes that slot).
     */
    private static boolean hasBalloon(LoadedState saved) {
        return saved.components().stream().anyMatch(c -> c.id().equals(BALLOON)
                && c.type().equals(VirtioBalloonState.class.getName()));
    }

    /**
     * Builds a machine from a saved state file; its configuration (RAM size, mode, balloon, entropy device, boot
     * ROM) comes from the file. Disks and network back ends are not in a state file: a state with drives or interfaces needs
     * {@link #fromStateFile(Path, OutputStream, List, List)}.
     */
    public static VirtMachine fromStateFile(Path file, OutputStream console) throws IOException {
        return fromStateFile(file, console, List.of(), List.of());
    }

    /**
     * Builds a machine from a saved state file with {@code drives} and {@code nics} attached (the same disks and
     * interfaces, in the same order, as the saved machine had); the rest of the configuration comes from the file.
     *
     * @throws StateFormatException if the file is bad or does not fit the machine these make (a drive of another
     *                              size, an interface with another MAC address, a device too many or too few)
     * @throws DeviceAttachException if a disk or network back end cannot be attached
     */
    public static VirtMachine fromStateFile(Path file, OutputStream console, List<DriveConfig> drives,
            List<NicConfig> nics) throws IOException {
        LoadedState saved = MachineStateFile.read(file);
        BoardState board = saved.component(BOARD, BoardState.class);
        MachineConfig config;
        try {
            config = new MachineConfig(board.ramSize(), board.deterministic(), "", console)
                    .withBalloon(hasBalloon(saved)).withDrives(drives).withNics(nics)
                    .withMrom(saved.componentNames().contains(MROM));
        } catch (IllegalArgumentException e) {
            throw new StateFormatException("saved state has an invalid RAM size: " + e.getMessage());
        }
        int next = (config.balloon() ? 1 : 0) + drives.size() + nics.size();
        if (next < VIRTIO_SLOTS) {
            config = config.withRng(saved.componentNames().contains(virtioId(VIRTIO_SLOTS - 1 - next)));
        }
        VirtMachine m = new VirtMachine(config);
        try {
            m.restoreState(saved);
        } catch (StateFormatException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }
}
