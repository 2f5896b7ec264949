package dev.ferry.machine.board;

import dev.ferry.machine.cpu.Cpu;
import dev.ferry.machine.device.VirtioMmioSlot;

/**
 * The device tree Ferry hands to a guest: the parts of QEMU {@code virt}'s tree that describe this board —
 * memory, the hart, CLINT, PLIC, UART, finisher, virtio-mmio slots — and {@code /chosen} with the boot
 * arguments, which is how workload parameters reach a guest on Ferry and on QEMU ({@code -append}) alike.
 */
public final class VirtDeviceTree {

    private VirtDeviceTree() {
    }

    /** Builds the blob for {@code ramSize} bytes of RAM and the given kernel command line. */
    public static byte[] build(long ramSize, String bootArgs) {
        FlattenedDeviceTree t = new FlattenedDeviceTree();
        t.beginNode("")
                .cells("#address-cells", 2).cells("#size-cells", 2)
                .property("compatible", "riscv-virtio").property("model", "riscv-virtio,ferry");
        t.beginNode("chosen")
                .property("bootargs", bootArgs)
                .property("stdout-path", "/soc/serial@10000000")
                .endNode();
        t.beginNode("memory@80000000")
                .property("device_type", "memory")
                .cells("reg", 0, VirtMachine.RAM_BASE, ramSize >>> 32, ramSize & 0xffff_ffffL)
                .endNode();
        t.beginNode("cpus").cells("#address-cells", 1).cells("#size-cells", 0)
                .cells("timebase-frequency", 10_000_000);
        t.beginNode("cpu@0").property("device_type", "cpu").cells("reg", 0).property("status", "okay")
                .property("compatible", "riscv").property("riscv,isa", Cpu.ISA_STRING)
                .property("mmu-type", Cpu.MMU_TYPE)
                .beginNode("interrupt-controller").cells("#interrupt-cells", 1).flag("interrupt-controller")
                .property("compatible", "riscv,cpu-intc").cells("phandle", 1).endNode()
                .endNode();
        t.endNode();
        t.beginNode("soc").cells("#address-cells", 2).cells("#size-cells", 2)
                .property("compatible", "simple-bus").flag("ranges");
        t.beginNode("test@100000").property("compatible", "sifive,test1\0sifive,test0")
                .cells("reg", 0, VirtMachine.TEST_BASE, 0, 0x1000).endNode();
        t.beginNode("clint@2000000").property("compatible", "sifive,clint0\0riscv,clint0")
                .cells("reg", 0, VirtMachine.CLINT_BASE, 0, 0x10000)
                .cells("interrupts-extended", 1, 3, 1, 7).endNode();
        t.beginNode("plic@c000000").property("compatible", "sifive,plic-1.0.0\0riscv,plic0")
                .cells("reg", 0, VirtMachine.PLIC_BASE, 0, 0x600000)
                .cells("#interrupt-cells", 1).flag("interrupt-controller").cells("riscv,ndev", 95)
                .cells("interrupts-extended", 1, 11, 1, 9).cells("phandle", 2).endNode();
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
        t.endNode();
        return t.toBlob();
    }
}
