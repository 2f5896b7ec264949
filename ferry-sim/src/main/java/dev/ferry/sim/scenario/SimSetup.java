package dev.ferry.sim.scenario;

import dev.ferry.sim.model.SimHost;
import dev.ferry.sim.model.SimVm;
import dev.ferry.sim.run.SimConfig;
import java.util.List;

/**
 * A scenario turned into a run: configuration, hosts, and VMs placed on them.
 *
 * @param name   the scenario's name
 * @param seed   its seed
 * @param config how the run goes
 * @param hosts  the hosts
 * @param vms    the VMs, each placed
 */
public record SimSetup(String name, long seed, SimConfig config, List<SimHost> hosts, List<SimVm> vms) {
}
