package dev.ferry.host.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;

/**
 * {@code POST /v1/vms}.
 *
 * @param name            unique name on the host (letters, digits, '.', '_', '-')
 * @param image           built-in image name ({@code linux} is the Linux guest) or path to an rv64 ELF on the host;
 *                        absent with {@code kernel}
 * @param mem             guest RAM: bytes, or a size such as {@code "256M"} (default 128M; 256M for {@code linux})
 * @param deterministic   time is the count of retired instructions
 * @param maxInstructions the VM parks after this many instructions (absent: never)
 * @param args            boot arguments: a string or a list of {@code key=value} words (the kernel command line)
 * @param balloon         give the VM a virtio balloon device (as QEMU's {@code -device virtio-balloon-device})
 * @param kernel          a kernel (Linux {@code Image} or ELF) in the host's image directory, booted as QEMU's
 *                        {@code -kernel} does
 * @param initrd          an initrd in the host's image directory
 * @param bios            {@code default} (QEMU's OpenSBI; the default with a kernel), {@code none}, or a firmware
 *                        file in the host's image directory
 * @param drives          disks as {@code file=PATH,format=raw[,readonly=on]}, the file in the host's image directory
 * @param nics            network interfaces as {@code tap:NAME[,mac=MAC]} or {@code none[,mac=MAC]}
 * @param rng             give the VM a virtio-rng entropy device
 * @param ip              the VM's IPv4 address with prefix ({@code 10.77.0.10/24}): the VM gets a NIC on the host's
 *                        switch and a Linux guest the address through the kernel's {@code ip=} parameter
 * @param mac             that NIC's MAC address (default: derived from the VM's name, so it stays the same
 *                        wherever the VM runs)
 * @param template        start the VM from this template instead of an image: its disks become copy-on-write
 *                        overlays in the host's disk directory, and its kernel boots with its configuration
 * @param resume          with {@code template}: restore the template's saved machine state instead of booting
 *                        (the VM keeps the template's MACs and addresses)
 */
public record CreateVmRequest(String name, String image, String mem, Boolean deterministic, Long maxInstructions,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> args, Boolean balloon,
        String kernel, String initrd, String bios,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> drives,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> nics, Boolean rng,
        String ip, String mac, String template, Boolean resume) {

    /** A request without a template. */
    public CreateVmRequest(String name, String image, String mem, Boolean deterministic, Long maxInstructions,
            List<String> args, Boolean balloon, String kernel, String initrd, String bios, List<String> drives,
            List<String> nics, Boolean rng, String ip, String mac) {
        this(name, image, mem, deterministic, maxInstructions, args, balloon, kernel, initrd, bios, drives, nics, rng,
                ip, mac, null, null);
    }

    /** A request without an address on the host's switch. */
    public CreateVmRequest(String name, String image, String mem, Boolean deterministic, Long maxInstructions,
            List<String> args, Boolean balloon, String kernel, String initrd, String bios, List<String> drives,
            List<String> nics, Boolean rng) {
        this(name, image, mem, deterministic, maxInstructions, args, balloon, kernel, initrd, bios, drives, nics, rng,
                null, null);
    }

    /** A request for a bare-metal image without kernel, disks or network. */
    public CreateVmRequest(String name, String image, String mem, Boolean deterministic, Long maxInstructions,
            List<String> args, Boolean balloon) {
        this(name, image, mem, deterministic, maxInstructions, args, balloon, null, null, null, null, null, null);
    }
}
