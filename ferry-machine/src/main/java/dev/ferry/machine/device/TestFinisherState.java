package dev.ferry.machine.device;

/** State of the {@link TestFinisher}: it has none, the record exists so every device saves the same way. */
public record TestFinisherState() {
}
