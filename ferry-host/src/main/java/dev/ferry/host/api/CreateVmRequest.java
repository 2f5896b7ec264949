package dev.ferry.host.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.util.List;

/**
 * {@code POST /v1/vms}.
 *
 * @param name            unique name on the host (letters, digits, '.', '_', '-')
 * @param image           built-in image name or path to an rv64 ELF on the host
 * @param mem             guest RAM: bytes, or a size such as {@code "256M"} (default 128M)
 * @param deterministic   time is the count of retired instructions
 * @param maxInstructions the VM parks after this many instructions (absent: never)
 * @param args            boot arguments: a string or a list of {@code key=value} words
 */
public record CreateVmRequest(String name, String image, String mem, Boolean deterministic, Long maxInstructions,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> args) { }
