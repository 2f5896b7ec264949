package dev.ferry.machine.board;

import dev.ferry.machine.device.MmioDevice;
import dev.ferry.machine.device.Plic;
import dev.ferry.machine.device.block.BlockBackendException;
import dev.ferry.machine.device.block.BlockBackendFactory;
import dev.ferry.machine.device.block.MovableDisk;
import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.machine.device.net.NetBackendFactory;
import dev.ferry.machine.device.virtio.VirtioBalloon;
import dev.ferry.machine.device.virtio.VirtioBalloonState;
import dev.ferry.machine.device.virtio.VirtioBlock;
import dev.ferry.machine.device.virtio.VirtioBlockState;
import dev.ferry.machine.device.virtio.VirtioNet;
import dev.ferry.machine.device.virtio.VirtioNetState;
import dev.ferry.machine.device.virtio.VirtioRng;
import dev.ferry.machine.device.virtio.VirtioRngState;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.ComponentRoster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the virtio devices of a {@link MachineConfig} into the slots {@link VirtMachine#virtioSlots} assigns, in
 * that order (balloon, drives, interfaces, entropy device), and lists each in the component roster under its
 * slot's node name. Opens the drives' back ends; {@link #close()} releases them if building fails halfway.
 */
final class VirtioDevices {

    private final MachineConfig config;
    private final GuestMemory ram;
    private final Plic plic;
    private final ComponentRoster.Builder roster;
    private final Iterator<Integer> slots;
    private final MmioDevice[] bySlot = new MmioDevice[VirtMachine.VIRTIO_SLOTS];
    private final List<AutoCloseable> opened = new ArrayList<>();

    VirtioDevices(MachineConfig config, GuestMemory ram, Plic plic, ComponentRoster.Builder roster) {
        this.config = config;
        this.ram = ram;
        this.plic = plic;
        this.roster = roster;
        this.slots = VirtMachine.virtioSlots(config).iterator();
    }

    /** The device in slot {@code i}, {@code null} if the slot stays empty. */
    MmioDevice slot(int i) {
        return bySlot[i];
    }

    VirtioBalloon balloon() {
        if (!config.balloon()) {
            return null;
        }
        int slot = slots.next();
        VirtioBalloon b = new VirtioBalloon(ram, plic.line(1 + slot));
        bySlot[slot] = b.mmio();
        roster.add(VirtMachine.virtioId(slot), VirtioBalloonState.class, b);
        return b;
    }

    /** Opens every drive through {@code factory} and adds its device to {@code into}. */
    void addDrives(List<VirtioBlock> into, BlockBackendFactory factory) throws BlockBackendException {
        for (DriveConfig d : config.drives()) {
            MovableDisk backend = new MovableDisk(factory.open(d.source(), d.format(), d.readOnly()));
            opened.add(backend);
            int slot = slots.next();
            VirtioBlock blk = new VirtioBlock(backend, ram, plic.line(1 + slot));
            bySlot[slot] = blk.mmio();
            roster.add(VirtMachine.virtioId(slot), VirtioBlockState.class, blk);
            into.add(blk);
        }
    }

    /**
     * Opens every interface's back end and adds its device to {@code into}; {@code wake} is how a device asks for
     * {@link VirtioNet#deliverPending()} on the vCPU thread.
     */
    void addNics(List<VirtioNet> into, NetBackendFactory factory, Consumer<VirtioNet> wake) throws IOException {
        for (NicConfig n : config.nics()) {
            byte[] mac;
            try {
                mac = VirtioNet.parseMac(n.mac());
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage());
            }
            NetBackend backend = factory.open(n.backend(), n.mac());
            opened.add(backend);
            int slot = slots.next();
            VirtioNet[] self = new VirtioNet[1];
            VirtioNet net = new VirtioNet(mac, backend, ram, plic.line(1 + slot), () -> wake.accept(self[0]));
            self[0] = net;
            bySlot[slot] = net.mmio();
            roster.add(VirtMachine.virtioId(slot), VirtioNetState.class, net);
            into.add(net);
        }
    }

    VirtioRng rng() {
        if (!config.rng()) {
            return null;
        }
        int slot = slots.next();
        VirtioRng r = config.deterministic() ? VirtioRng.deterministic(ram, plic.line(1 + slot))
                : VirtioRng.secure(ram, plic.line(1 + slot));
        bySlot[slot] = r.mmio();
        roster.add(VirtMachine.virtioId(slot), VirtioRngState.class, r);
        return r;
    }

    /** Closes the back ends opened so far. */
    void close() {
        opened.forEach(VirtioDevices::closeQuietly);
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (IOException e) {
            // released anyway; nothing the caller could do
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
