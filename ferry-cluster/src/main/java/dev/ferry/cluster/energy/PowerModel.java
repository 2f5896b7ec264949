package dev.ferry.cluster.energy;

import dev.ferry.cluster.model.ClusterSnapshot;
import dev.ferry.cluster.model.HostState;
import java.util.HashMap;
import java.util.Map;

/** How many watts a host draws: a plain function of its state and CPU utilisation. */
public interface PowerModel {

    /** Watts {@code host} draws at CPU utilisation {@code utilization} (busy cores over cores). */
    double watts(HostState host, double utilization);

    /** Watts the whole cluster draws as {@code s} shows it. */
    default double watts(ClusterSnapshot s) {
        double[] cpu = new double[s.hosts().size()];
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < cpu.length; i++) {
            index.put(s.hosts().get(i).name(), i);
        }
        s.vms().forEach(v -> cpu[index.get(v.host())] += v.cpuDemand());
        double sum = 0;
        for (int i = 0; i < cpu.length; i++) {
            HostState h = s.hosts().get(i);
            sum += watts(h, cpu[i] / h.cores());
        }
        return sum;
    }
}
