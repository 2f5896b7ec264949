package dev.ferry.net.port;

import dev.ferry.machine.device.net.NetBackend;
import dev.ferry.net.frame.MacAddress;
import dev.ferry.net.switching.LearningSwitch;
import dev.ferry.net.switching.RateLimit;
import dev.ferry.net.switching.SwitchPort;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A VM's network interface plugged into a switch: a {@link NetBackend} a VirtioNet uses directly. What the guest
 * sends enters the switch on the VM port (on the vCPU thread; the switch never blocks); what the switch delivers to
 * the port goes to the attached receiver, which copies it. Frames for a detached interface are counted as
 * {@code no_route}. Closing removes the port, so the switch forgets the VM's address.
 */
public final class VmPortBackend implements NetBackend {

    private final LearningSwitch sw;
    private final SwitchPort port;
    private final ReadWriteLock receiverLock = new ReentrantReadWriteLock();
    private FrameReceiver receiver;

    private VmPortBackend(LearningSwitch sw, String name, MacAddress mac, RateLimit limit) {
        this.sw = sw;
        this.port = sw.addVmPort(name, mac, limit, this::deliver);
    }

    /** Opens a VM port named {@code name} on {@code sw} for the VM with MAC {@code mac}, limited to {@code limit}. */
    public static VmPortBackend open(LearningSwitch sw, String name, MacAddress mac, RateLimit limit) {
        return new VmPortBackend(sw, name, mac, limit);
    }

    /** The switch port. */
    public SwitchPort port() {
        return port;
    }

    @Override
    public void send(byte[] frame, int off, int len) {
        sw.receive(port, frame, off, len);
    }

    private boolean deliver(byte[] frame, int off, int len) {
        receiverLock.readLock().lock();
        try {
            if (receiver == null) {
                return false;
            }
            receiver.receive(frame, off, len);
            return true;
        } finally {
            receiverLock.readLock().unlock();
        }
    }

    @Override
    public void attach(FrameReceiver r) {
        setReceiver(r);
    }

    @Override
    public void detach() {
        setReceiver(null);
    }

    private void setReceiver(FrameReceiver r) {
        receiverLock.writeLock().lock();
        try {
            receiver = r;
        } finally {
            receiverLock.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        detach();
        sw.remove(port);
    }
}
