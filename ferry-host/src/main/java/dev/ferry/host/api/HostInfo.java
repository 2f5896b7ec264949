package dev.ferry.host.api;

/**
 * {@code GET /v1/host}.
 *
 * @param name              the host's name
 * @param version           Ferry version
 * @param control           the control API address
 * @param migrationEndpoint where sources connect to migrate VMs here ({@code null}: this host cannot receive VMs)
 * @param vms               number of VMs it runs
 */
public record HostInfo(String name, String version, String control, String migrationEndpoint, int vms) { }
