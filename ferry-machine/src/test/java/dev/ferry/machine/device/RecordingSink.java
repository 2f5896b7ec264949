package dev.ferry.machine.device;

/** An {@link InterruptSink} that remembers the level of each {@code mip} bit and how often it was driven. */
final class RecordingSink implements InterruptSink {

    private final boolean[] level = new boolean[64];
    private int calls;

    @Override
    public synchronized void setInterruptLevel(int mipBit, boolean high) {
        level[mipBit] = high;
        calls++;
    }

    synchronized boolean level(int mipBit) {
        return level[mipBit];
    }

    synchronized int calls() {
        return calls;
    }
}
