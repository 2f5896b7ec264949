package dev.ferry.bench.migrate;

import java.util.Map;

/**
 * A guest to migrate: an image with its boot arguments and RAM, the console line it prints once its working set
 * is established, and how much memory it touched by then (the bytes a migration has to move at least).
 *
 * @param image        guest image name ({@code idle}, {@code munch})
 * @param args         the guest's boot arguments
 * @param ramBytes     guest RAM
 * @param ready        console text the guest prints once its working set is established
 * @param touchedBytes memory the guest has written by then: idle's {@code touch}, munch's {@code wss}
 */
public record Workload(String image, String args, long ramBytes, String ready, long touchedBytes) {

    private static final Map<String, String> READY = Map.of("idle", "idle: sleeping", "munch", "munch: pass 1\n");
    private static final Map<String, String> TOUCH_PARAMETER = Map.of("idle", "touch", "munch", "wss");
    private static final Map<String, Long> TOUCH_DEFAULT = Map.of("idle", 16L << 20, "munch", 32L << 20);

    /** The workload of a built-in image; throws IllegalArgumentException for an image the benchmark cannot use. */
    public static Workload of(String image, String args, long ramBytes) {
        String ready = READY.get(image);
        if (ready == null) {
            throw new IllegalArgumentException("unknown image " + image + "; expected one of " + READY.keySet());
        }
        long touched = Math.min(ramBytes, touched(args, TOUCH_PARAMETER.get(image), TOUCH_DEFAULT.get(image)));
        return new Workload(image, args, ramBytes, ready, touched);
    }

    /** RAM as tables show it: {@code 256M}, {@code 1G}. */
    public String ramLabel() {
        return Sizes.format(ramBytes);
    }

    /** The size given as {@code key=SIZE} in boot arguments (the last one wins, as in the guest SDK). */
    static long touched(String args, String key, long fallback) {
        long value = fallback;
        for (String word : args.trim().split("\\s+")) {
            if (word.startsWith(key + "=")) {
                value = Sizes.parse(word.substring(key.length() + 1));
            }
        }
        return value;
    }
}
