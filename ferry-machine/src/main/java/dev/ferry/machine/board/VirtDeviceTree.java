package dev.ferry.machine.board;

import dev.ferry.machine.device.CloneIdentity;
import dev.ferry.machine.device.GoldfishRtc;
import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.device.VirtioMmioSlot;

/**
 * The device tree Ferry hands to a guest: the parts of QEMU {@code virt}'s tree that describe this board —
 * memory, the hart, CLINT, PLIC, UART, finisher (with QEMU's syscon poweroff and reboot nodes), RTC, virtio-mmio
 * slots — and {@code /chosen} with the boot arguments, which is how workload parameters reach a guest on Ferry
 * and on QEMU ({@code -append}) alike; for a kernel boot {@code /chosen} also says where the initrd is
 * ({@link Chosen}).
 * Compared with {@code qemu-system-riscv64 -machine virt,dumpdtb=...}: the same nodes, names, compatible strings,
 * registers and interrupts for these devices; phandle numbers differ (only the references matter).
 */
public final class VirtDeviceTree {

    /** The hart's {@code riscv,isa} string: the CPU says what it implements. */
    public static final String CPU_ISA = Cpu.ISA_STRING;
    /** The hart's {@code mmu-type}: the widest paging mode the CPU implements, as QEMU 7.2 writes it. */
    public static final String MMU_TYPE = Cpu.MMU_TYPE;
    /** Phandle of the test finisher, which the poweroff and reboot nodes drive as a syscon. */
    private static final int TEST_PHANDLE = 3;

    private VirtDeviceTree() {
    }

    /** Builds the blob for {@code ramSize} bytes of RAM and the given kernel command line. */
    public static byte[] build(long ramSize, String bootArgs) {
        return build(ramSize, Chosen.bootArgsOnly(bootArgs));
    }

    /** Builds the blob for {@code ramSize} bytes of RAM with {@code chosen} in {@code /chosen}. */
    public static byte[] build(long ramSize, Chosen chosen) {
        return build(ramSize, chosen, false);
    }

    /**
     * As {@link #build(long, Chosen)}, with a node for Ferry's {@link CloneIdentity} registers when {@code identity}
     * (a node QEMU's tree does not have; no Linux driver binds to it).
     */
    public static byte[] build(long ramSize, Chosen chosen, boolean identity) {
        FlattenedDeviceTree t = new FlattenedDeviceTree();
        t.beginNode("")
                .cells("#address-cells", 2).cells("#size-cells", 2)
                .property("compatible", "riscv-virtio").property("model", "riscv-virtio,ferry");
        chosen(t, chosen);
        t.beginNode("memory@80000000")
                .property("device_type", "memory")
                .cells("reg", 0, VirtMachine.RAM_BASE, ramSize >>> 32, ramSize & 0xffff_ffffL)
                .endNode();
        t.beginNode("cpus").cells("#address-cells", 1).cells("#size-cells", 0)
                .cells("timebase-frequency", 10_000_000);
        t.beginNode("cpu@0").property("device_type", "cpu").cells("reg", 0).property("status", "okay")
                .property("compatible", "riscv").property("riscv,isa", CPU_ISA)
                .property("mmu-type", MMU_TYPE)
                .beginNode("interrupt-controller").cells("#interrupt-cells", 1).flag("interrupt-controller")
                .property("compatible", "riscv,cpu-intc").cells("phandle", 1).endNode()
                .endNode();
        t.endNode();
        t.beginNode("soc").cells("#address-cells", 2).cells("#size-cells", 2)
                .property("compatible", "simple-bus").flag("ranges");
        t.beginNode("test@100000").property("compatible", "sifive,test1\0sifive,test0\0syscon")
                .cells("reg", 0, VirtMachine.TEST_BASE, 0, 0x1000).cells("phandle", TEST_PHANDLE).endNode();
        t.beginNode("clint@2000000").property("compatible", "sifive,clint0\0riscv,clint0")
                .cells("reg", 0, VirtMachine.CLINT_BASE, 0, 0x10000)
                .cells("interrupts-extended", 1, 3, 1, 7).endNode();
        t.beginNode("plic@c000000").property("compatible", "sifive,plic-1.0.0\0riscv,plic0")
                .cells("reg", 0, VirtMachine.PLIC_BASE, 0, 0x600000)
                .cells("#address-cells", 0).cells("#interrupt-cells", 1).flag("interrupt-controller")
                .cells("riscv,ndev", 96)
                .cells("interrupts-extended", 1, 11, 1, 9).cells("phandle", 2).endNode();
        t.beginNode(String.format("rtc@%x", GoldfishRtc.BASE)).property("compatible", "google,goldfish-rtc")
                .cells("reg", 0, GoldfishRtc.BASE, 0, GoldfishRtc.SIZE).cells("interrupt-parent", 2)
                .cells("interrupts", GoldfishRtc.IRQ).endNode();
        if (identity) {
            t.beginNode(String.format("identity@%x", CloneIdentity.BASE)).property("compatible", "ferry,identity")
                    .cells("reg", 0, CloneIdentity.BASE, 0, CloneIdentity.SIZE).endNode();
        }
        t.beginNode("serial@10000000").property("compatible", "ns16550a")
                .cells("reg", 0, VirtMachine.UART0_BASE, 0, 0x100).cells("clock-frequency", 3686400)
                .cells("interrupt-parent", 2).cells("interrupts", VirtMachine.UART0_IRQ).endNode();
        for (int i = VirtMachine.VIRTIO_SLOTS - 1; i >= 0; i--) {
            long base = VirtioMmioSlot.base(i);
            t.beginNode(String.format("virtio_mmio@%x", base)).property("compatible", "virtio,mmio")
                    .cells("reg", 0, base, 0, 0x1000).cells("interrupt-parent", 2).cells("interrupts", 1 + i)
                    .endNode();
        }
        t.endNode();
        t.beginNode("poweroff").property("compatible", "syscon-poweroff").cells("regmap", TEST_PHANDLE)
                .cells("offset", 0).cells("value", 0x5555).endNode();
        t.beginNode("reboot").property("compatible", "syscon-reboot").cells("regmap", TEST_PHANDLE)
                .cells("offset", 0).cells("value", 0x7777).endNode();
        t.endNode();
        return t.toBlob();
    }

    /**
     * Writes the {@code /chosen} node, its properties in the order QEMU 7.2's blob has them: the initrd's bounds
     * as single 32-bit cells (as QEMU 7.2 writes them), the random seed, the command line, the console.
     */
    static void chosen(FlattenedDeviceTree t, Chosen chosen) {
        t.beginNode("chosen");
        if (chosen.hasInitrd()) {
            t.cells("linux,initrd-end", chosen.initrdEnd()).cells("linux,initrd-start", chosen.initrdStart());
        }
        byte[] seed = chosen.rngSeed();
        if (seed.length > 0) {
            t.property("rng-seed", seed);
        }
        if (chosen.bootArgs() != null) {
            t.property("bootargs", chosen.bootArgs());
        }
        t.property("stdout-path", "/soc/serial@10000000").endNode();
    }
}
