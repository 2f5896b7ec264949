package dev.ferry.cli;

import dev.ferry.machine.board.MachineConfig;
import dev.ferry.machine.board.VirtMachine;
import dev.ferry.machine.image.ElfImage;
import dev.ferry.machine.image.GuestImages;
import dev.ferry.machine.image.ImageFormatException;
import dev.ferry.machine.memory.DirtyBitmap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;

/**
 * {@code ferry demo}: a tour of what a Ferry machine offers migration — boot, interrupts, the dirty log of a
 * running guest, and a deterministic save/restore that lands on the very same state as an uninterrupted run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Tour the machine: boot guests, watch a guest's dirty pages, save and restore a running VM.")
public final class DemoCommand implements Callable<Integer> {

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        GuestImages images = GuestImages.ofInstallation();
        step("1. Boot the 'hello' image (the same ELF runs on qemu-system-riscv64 -machine virt)");
        bootAndRun(images, "hello", "from=demo", out);

        step("2. Interrupt-driven timer ticks (CLINT at 10 MHz, WFI sleeps between ticks)");
        bootAndRun(images, "timer", "hz=20 ticks=5", out);

        step("3. Watch the writable working set of a memory muncher (dirty log harvested every 100 ms)");
        dirtyLogTour(images);

        step("4. Save a running VM and restore it: the state hash must match an uninterrupted run");
        snapshotTour(images);
        return 0;
    }

    private void step(String title) {
        out.println();
        out.println("== " + title);
    }

    private VirtMachine boot(GuestImages images, String name, String args, long ram, boolean deterministic,
            OutputStream console) throws ImageFormatException {
        ElfImage elf = images.load(name);
        VirtMachine m = new VirtMachine(new MachineConfig(ram, deterministic, args, console));
        m.boot(elf);
        return m;
    }

    private void bootAndRun(GuestImages images, String name, String args, PrintStream console)
            throws ImageFormatException {
        VirtMachine m = boot(images, name, args, MachineConfig.DEFAULT_RAM, false, console);
        long t0 = System.nanoTime();
        m.run(Long.MAX_VALUE);
        console.flush();
        out.printf("   -> exit code %d after %,d instructions in %.1f ms%n", m.exitCode(), m.instructions(),
                (System.nanoTime() - t0) / 1e6);
    }

    private void dirtyLogTour(GuestImages images) throws Exception {
        VirtMachine m = boot(images, "munch", "wss=16M rate=2000", 64L << 20, false, OutputStream.nullOutputStream());
        Thread vcpu = new Thread(() -> m.run(Long.MAX_VALUE), "vcpu");
        vcpu.start();
        try {
            m.atSafepoint(() -> {
                m.memory().setDirtyLogging(true);
                return null;
            }).get(5, TimeUnit.SECONDS);
            out.println("   munch wss=16M rate=2000 pages/s; pages dirtied per 100 ms round:");
            for (int round = 1; round <= 8; round++) {
                Thread.sleep(100);
                DirtyBitmap dirty = harvest(m);
                out.printf("   round %d: %5d dirty pages (%5.1f MiB), %,d instructions so far%n", round,
                        dirty.cardinality(), dirty.cardinality() / 256.0, m.instructions());
            }
        } finally {
            m.requestStop();
            vcpu.join();
        }
    }

    private static DirtyBitmap harvest(VirtMachine m) throws InterruptedException, ExecutionException,
            TimeoutException {
        return m.atSafepoint(() -> m.memory().fetchAndClearDirtyLog()).get(5, TimeUnit.SECONDS);
    }

    private void snapshotTour(GuestImages images) throws ImageFormatException, IOException {
        long half = 20_000_000;
        long full = 2 * half;
        String args = "wss=8M passes=0";
        VirtMachine straight = boot(images, "munch", args, 64L << 20, true, new ByteArrayOutputStream());
        straight.run(full);
        String expected = straight.stateHash();
        out.printf("   uninterrupted run to %,d instructions:      %s%n", full, expected);

        Path file = Files.createTempFile("ferry-demo", ".state");
        try {
            VirtMachine first = boot(images, "munch", args, 64L << 20, true, new ByteArrayOutputStream());
            first.run(half);
            first.saveState(file);
            out.printf("   saved at %,d instructions (%,d KiB state file)%n", half, Files.size(file) >> 10);
            VirtMachine second = VirtMachine.fromStateFile(file, new ByteArrayOutputStream());
            second.run(full);
            String actual = second.stateHash();
            out.printf("   restored and continued to %,d instructions: %s%n", full, actual);
            out.println(expected.equals(actual) ? "   -> identical: nothing was lost or changed by save/restore"
                    : "   -> MISMATCH: save/restore changed the machine's state");
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
