package dev.ferry.host.api;

/**
 * A VM as the API shows it ({@code GET /v1/vms}, {@code GET /v1/vms/NAME}).
 *
 * @param name              its name
 * @param state             created, running, paused, limit_reached, powered_off, closed
 * @param image             the image it booted (or where it migrated from)
 * @param bootArgs          its boot arguments
 * @param instructions      instructions retired
 * @param dirtyRatePagesPerS pages dirtied per second over a short sample (only when asked for, and not while
 *                          migrating)
 * @param memoryUsedBytes   bytes of RAM holding data (pages written at least once)
 * @param ramBytes          guest RAM
 * @param deterministic     deterministic time
 * @param instructionLimit  where it parks, or absent
 * @param uptimeMs          milliseconds since it was created on (or arrived at) this host
 * @param exitCode          the guest's exit code once powered off
 * @param migration         id of the migration under way, or absent
 */
public record VmInfo(String name, String state, String image, String bootArgs, long instructions,
        Double dirtyRatePagesPerS, long memoryUsedBytes, long ramBytes, boolean deterministic, Long instructionLimit,
        long uptimeMs, Integer exitCode, String migration) { }
