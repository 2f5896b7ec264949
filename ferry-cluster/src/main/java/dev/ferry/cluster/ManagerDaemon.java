package dev.ferry.cluster;

import dev.ferry.cluster.api.ManagerApi;
import dev.ferry.cluster.energy.LinearPowerModel;
import dev.ferry.cluster.energy.PowerModel;
import dev.ferry.cluster.manager.ClusterManager;
import dev.ferry.cluster.manager.ClusterPolicies;
import dev.ferry.cluster.policy.BestFit;
import dev.ferry.cluster.policy.Consolidation;
import dev.ferry.cluster.policy.Drain;
import dev.ferry.cluster.policy.LoadBalancing;
import dev.ferry.cluster.policy.MigrationTime;
import dev.ferry.cluster.policy.TaskRemapping;
import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * A running cluster manager: the {@link ClusterManager} with the default policies, served by its {@link ManagerApi}.
 * What {@code ferry cluster --listen} starts, and what tests start in-process.
 */
public final class ManagerDaemon implements AutoCloseable {

    /** Consolidation empties hosts below this CPU utilisation. */
    public static final double LOWER_UTILIZATION = 0.2;
    /** Hosts above this CPU utilisation are overloaded (consolidation and load balancing). */
    public static final double UPPER_UTILIZATION = 0.8;
    /** A host must stay overloaded this long before load balancing moves a VM off it. */
    public static final long BALANCE_WINDOW_MILLIS = 10_000;
    /** Pairs of VMs exchanging at least this many bytes per second are worth co-locating. */
    public static final double REMAP_MIN_BYTES_PER_SEC = 100_000;
    /** How often the manager checkpoints each running VM by default. */
    public static final long CHECKPOINT_EVERY_MILLIS = 60_000;
    /** How often the manager runs the load-balancing policy by itself. */
    public static final long BALANCE_EVERY_MILLIS = 2_000;
    /** The link the policies assume between hosts, for migration times: 10 Gbit/s. */
    public static final double LINK_BYTES_PER_SEC = 1.25e9;
    /** The default power model: 100 W idle, 200 W at full load, 5 W in standby. */
    public static final PowerModel POWER = new LinearPowerModel(100, 200, 5);

    private final ClusterManager manager;
    private final ManagerApi api;

    private ManagerDaemon(ClusterManager manager, ManagerApi api) {
        this.manager = manager;
        this.api = api;
    }

    /** The default policies. */
    public static ClusterPolicies defaultPolicies() {
        MigrationTime time = MigrationTime.overLink(LINK_BYTES_PER_SEC);
        return new ClusterPolicies(new BestFit(), new Consolidation(LOWER_UTILIZATION, UPPER_UTILIZATION, POWER, time),
                new LoadBalancing(UPPER_UTILIZATION, BALANCE_WINDOW_MILLIS, time),
                new TaskRemapping(REMAP_MIN_BYTES_PER_SEC, 1.0, time), Drain::new);
    }

    /** Starts a manager with {@code policies} at {@code listen}, calling hosts with {@code token}. */
    public static ManagerDaemon start(InetSocketAddress listen, ApiToken token, ClusterPolicies policies,
            Consumer<String> log) throws IOException {
        ClusterManager manager = new ClusterManager(token, policies, POWER, LINK_BYTES_PER_SEC, log);
        manager.balanceEvery(BALANCE_EVERY_MILLIS);
        manager.checkpointEvery(CHECKPOINT_EVERY_MILLIS);
        try {
            return new ManagerDaemon(manager, ManagerApi.start(manager, token, listen, log));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Starts a manager with the default policies. */
    public static ManagerDaemon start(InetSocketAddress listen, ApiToken token, Consumer<String> log)
            throws IOException {
        return start(listen, token, defaultPolicies(), log);
    }

    /** The manager. */
    public ClusterManager manager() {
        return manager;
    }

    /** The API's bound address. */
    public InetSocketAddress address() {
        return api.address();
    }

    @Override
    public void close() {
        api.close();
        manager.close();
    }
}
