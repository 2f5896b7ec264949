package dev.ferry.machine.board;

/**
 * Board-level state: what the rest of the saved state must match, and the real-time clock's value.
 *
 * @param ramSize        bytes of RAM
 * @param deterministic  whether time is the count of retired instructions
 * @param realTimeMtime  {@code mtime} at the save in real-time mode; 0 in deterministic mode
 */
public record BoardState(long ramSize, boolean deterministic, long realTimeMtime) { }
