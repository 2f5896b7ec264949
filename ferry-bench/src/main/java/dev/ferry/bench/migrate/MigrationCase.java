package dev.ferry.bench.migrate;

/**
 * One configuration to migrate: a guest image with its arguments, a RAM size and a strategy.
 *
 * @param image    guest image name ({@code idle}, {@code munch})
 * @param args     the guest's boot arguments
 * @param ramBytes guest RAM
 * @param strategy {@code stopcopy}, {@code precopy}, {@code postcopy} or {@code hybrid}
 * @param ready    console text the guest prints once its working set is established
 */
public record MigrationCase(String image, String args, long ramBytes, String strategy, String ready) {

    /** RAM as the table shows it: {@code 256M}, {@code 1G}. */
    public String ramLabel() {
        return Sizes.format(ramBytes);
    }
}
