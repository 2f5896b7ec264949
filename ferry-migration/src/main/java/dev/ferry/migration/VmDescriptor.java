package dev.ferry.migration;

/**
 * Host-side facts about a VM that travel with it: its name on the hosts, the machine configuration the
 * target must build, and the instruction limit at which a deterministic run parks.
 *
 * @param name             the VM's name, unique on a host
 * @param ramSize          bytes of guest RAM
 * @param deterministic    time is the count of retired instructions
 * @param instructionLimit the VM parks at this many retired instructions ({@code Long.MAX_VALUE}: never)
 */
public record VmDescriptor(String name, long ramSize, boolean deterministic, long instructionLimit) { }
