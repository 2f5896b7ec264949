package dev.ferry.machine.device;

/**
 * Saved state of the {@link CloneIdentity} registers.
 *
 * @param generation how many times the identity changed (1 for a VM that booted)
 * @param mac        the interface address the guest should use: 6 bytes, or none
 * @param ip         the kernel-style {@code ip=} value, or empty
 * @param name       the VM's name (the guest's host name), or empty
 */
public record CloneIdentityState(int generation, byte[] mac, String ip, String name) {
}
