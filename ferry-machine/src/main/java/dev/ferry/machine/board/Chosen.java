package dev.ferry.machine.board;

/**
 * What the device tree's {@code /chosen} node tells the guest besides the console: the kernel command line, where
 * the initrd lies and a seed for the kernel's random number generator.
 *
 * @param bootArgs    the {@code bootargs} string, or {@code null} for no property (QEMU writes none when
 *                    {@code -append} is empty)
 * @param initrdStart guest-physical address of the initrd's first byte (with {@code initrdEnd} 0: no initrd)
 * @param initrdEnd   one past its last byte
 * @param rngSeed     bytes for {@code rng-seed}, or an empty array for no property
 */
public record Chosen(String bootArgs, long initrdStart, long initrdEnd, byte[] rngSeed) {

    /** Validates the fields. */
    public Chosen {
        if (initrdEnd < initrdStart || initrdStart < 0 || initrdEnd > 0xffff_ffffL) {
            throw new IllegalArgumentException(String.format("initrd at 0x%x-0x%x cannot be described in /chosen",
                    initrdStart, initrdEnd));
        }
        rngSeed = rngSeed.clone();
    }

    /** A bare-metal image's {@code /chosen}: the boot arguments, always written (empty or not), nothing else. */
    public static Chosen bootArgsOnly(String bootArgs) {
        return new Chosen(bootArgs, 0, 0, new byte[0]);
    }

    /** True when an initrd is described. */
    public boolean hasInitrd() {
        return initrdEnd != 0;
    }

    /** A copy of the seed bytes. */
    @Override
    public byte[] rngSeed() {
        return rngSeed.clone();
    }
}
