/**
 * The learning switch each host runs: ports for VMs, links to other hosts and uplinks, MAC learning with ageing,
 * flooding with split horizon between links, anti-spoofing and rate limiting on VM ports, per-port counters, a
 * traffic matrix and an immutable snapshot of it all. {@link dev.ferry.net.switching.TokenBucket} is the rate
 * decision, a plain object on an injected clock.
 */
package dev.ferry.net.switching;
