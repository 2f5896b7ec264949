package dev.ferry.machine.device;

/** What the board does when the guest asks, through the {@link TestFinisher}, to stop or restart the machine. */
public interface PowerControl {

    /** The guest asked to power off; {@code exitCode} is 0 for pass, otherwise the fail code (0 to 65535). */
    void powerOff(int exitCode);

    /** The guest asked for a machine reset. */
    void reset();
}
