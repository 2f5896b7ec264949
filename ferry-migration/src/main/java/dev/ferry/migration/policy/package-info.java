/**
 * Migration decisions as plain objects: figures of a round in, a decision out.
 *
 * <p>The migration engine ({@code strategy}), the cluster manager and the data-center simulator run the same
 * classes: the engine feeds them the rounds it measured on a real VM and link, the simulator feeds them modelled
 * rounds (pages dirtied from write probabilities, durations from a link model). So this package holds no
 * mechanism: it must not use {@code dev.ferry.machine} types, sockets, threads, I/O or wall clocks. Page sets are
 * {@link java.util.BitSet}s, send orders {@code int[]}s, and a rule that needs "now" gets an injected
 * {@link java.util.function.LongSupplier} nanosecond clock.
 *
 * <p>{@link dev.ferry.migration.policy.MigrationPolicy} is the entry point: one implementation per strategy,
 * chosen by {@link dev.ferry.migration.policy.MigrationPolicy#forOptions}. The pre-copy rules are separate small
 * classes ({@link dev.ferry.migration.policy.RateRule}, {@link dev.ferry.migration.policy.StopRule},
 * {@link dev.ferry.migration.policy.DowntimeEstimate}, {@link dev.ferry.migration.policy.StallRule},
 * {@link dev.ferry.migration.policy.AutoConverge}, {@link dev.ferry.migration.policy.RoundPlan}), and
 * {@link dev.ferry.migration.policy.PostCopyPaging} decides which pages move after a post-copy switchover. None
 * of them is thread-safe; a caller that uses one from several threads serialises the calls.
 */
package dev.ferry.migration.policy;
