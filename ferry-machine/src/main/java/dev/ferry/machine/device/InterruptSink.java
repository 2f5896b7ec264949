package dev.ferry.machine.device;

/**
 * Where interrupt-controller outputs land: the hart's {@code mip} bits driven by devices (MSIP from the CLINT,
 * MEIP and SEIP from the PLIC). Thread-safe: a device may raise a line from an I/O thread, which must also wake a hart
 * sleeping in WFI.
 */
public interface InterruptSink {

    /** Supervisor external interrupt pending bit in {@code mip} (driven by the PLIC's S-mode context). */
    int SEIP = 9;
    /** Machine software interrupt pending bit in {@code mip}. */
    int MSIP = 3;
    /** Machine timer interrupt pending bit in {@code mip}. */
    int MTIP = 7;
    /** Machine external interrupt pending bit in {@code mip}. */
    int MEIP = 11;

    /** Drives the level of one {@code mip} bit. */
    void setInterruptLevel(int mipBit, boolean level);
}
