package dev.ferry.machine.device;

/**
 * Saved state of the {@link Uart16550}.
 *
 * @param ier               interrupt enable register (low 4 bits)
 * @param lcr               line control register
 * @param mcr               modem control register (low 5 bits)
 * @param lsr               line status register
 * @param msr               modem status register
 * @param scr               scratch register
 * @param fcr               FIFO control bits that stick: FIFO enable and trigger level (mask {@code 0xc9})
 * @param divider           baud rate divisor latch (DLM:DLL)
 * @param rbr               receive buffer register, used while the FIFOs are off
 * @param thrInterrupt      the "transmitter holding register empty" interrupt is pending
 * @param rxFifo            bytes in the receive FIFO, oldest first (at most 16)
 * @param hostInput         bytes received from the host and not yet taken into the UART, oldest first
 */
public record UartState(int ier, int lcr, int mcr, int lsr, int msr, int scr, int fcr, int divider, int rbr,
                        boolean thrInterrupt, byte[] rxFifo, byte[] hostInput) {
}
