package dev.ferry.machine.device.virtio;

import dev.ferry.machine.device.InterruptLine;
import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.machine.state.Snapshottable;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A virtio entropy device (device id 4) as QEMU 7.2's {@code virtio-rng-device} presents itself on the legacy
 * virtio-mmio transport: the ring features NOTIFY_ON_EMPTY, ANY_LAYOUT, INDIRECT_DESC and EVENT_IDX, one queue,
 * no configuration space. Every buffer the driver makes available is filled completely with random bytes and
 * returned with its full length.
 *
 * <p>In real-time mode the bytes come from the host's {@link SecureRandom}. In deterministic mode they come from a
 * xoshiro256** generator with a fixed seed whose state is saved, so a run that is restored or migrated midway
 * hands the guest the same bytes as a straight run. That stream is reproducible, not secret: deterministic mode
 * is for testing.
 */
public final class VirtioRng implements VirtioDevice, Snapshottable<VirtioRngState> {

    /** Virtio device id of an entropy source. */
    public static final int DEVICE_ID = 4;
    /** Features offered, as QEMU 7.2 offers them. */
    public static final long FEATURES = 1L << Virtqueue.F_NOTIFY_ON_EMPTY | 1L << Virtqueue.F_ANY_LAYOUT
            | 1L << Virtqueue.F_INDIRECT_DESC | 1L << Virtqueue.F_EVENT_IDX;
    /** Seed of the deterministic generator. */
    static final long[] SEED = {0x9e37_79b9_7f4a_7c15L, 0xbf58_476d_1ce4_e5b9L, 0x94d0_49bb_1331_11ebL,
        0x2545_f491_4f6c_dd1dL};
    private static final int MAX_CHUNK = 1 << 16;

    private final VirtioMmioTransport transport;
    private final SecureRandom secure;
    private final long[] state;

    private VirtioRng(GuestMemory memory, InterruptLine irq, boolean deterministic) {
        this.transport = new VirtioMmioTransport(this, Objects.requireNonNull(memory), irq);
        this.secure = deterministic ? null : new SecureRandom();
        this.state = deterministic ? SEED.clone() : new long[4];
    }

    /** A device fed by the host's SecureRandom. */
    public static VirtioRng secure(GuestMemory memory, InterruptLine irq) {
        return new VirtioRng(memory, irq, false);
    }

    /** A device fed by the seeded generator, whose state is part of the device's saved state. */
    public static VirtioRng deterministic(GuestMemory memory, InterruptLine irq) {
        return new VirtioRng(memory, irq, true);
    }

    /** The register window to map on the bus. */
    public VirtioMmioTransport mmio() {
        return transport;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long hostFeatures() {
        return FEATURES;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public int readConfig(int offset) {
        return 0;
    }

    @Override
    public void writeConfig(int offset, int width, long value, long guestFeatures) {
    }

    @Override
    public void queueNotified(int index, Virtqueue queue) throws VirtqueueException {
        Virtqueue.Chain chain;
        while ((chain = queue.pop()) != null) {
            Virtqueue.requireReadableFirst(chain);
            long total = Virtqueue.length(chain, true);
            byte[] bytes = new byte[(int) Math.min(total, MAX_CHUNK)];
            for (long done = 0; done < total; ) {
                int n = (int) Math.min(bytes.length, total - done);
                fill(bytes, n);
                queue.writeTo(chain, done, bytes, 0, n);
                done += n;
            }
            queue.push(chain.head(), (int) Math.min(total, Integer.MAX_VALUE));
        }
    }

    private void fill(byte[] bytes, int n) {
        if (secure != null) {
            byte[] b = new byte[n];
            secure.nextBytes(b);
            System.arraycopy(b, 0, bytes, 0, n);
            return;
        }
        for (int i = 0; i < n; i += 8) {
            long r = next();
            for (int j = 0; j < 8 && i + j < n; j++) {
                bytes[i + j] = (byte) (r >>> (8 * j));
            }
        }
    }

    /** One step of xoshiro256** over {@link #state}. */
    private long next() {
        long result = Long.rotateLeft(state[1] * 5, 7) * 9;
        long t = state[1] << 17;
        state[2] ^= state[0];
        state[3] ^= state[1];
        state[1] ^= state[2];
        state[0] ^= state[3];
        state[2] ^= t;
        state[3] = Long.rotateLeft(state[3], 45);
        return result;
    }

    @Override
    public void reset() {
    }

    @Override
    public VirtioRngState saveState() {
        return new VirtioRngState(transport.saveState(), state.clone());
    }

    /** Checks the transport and that the generator state fits the mode: all zero exactly in real-time mode. */
    @Override
    public void validateState(VirtioRngState s) {
        transport.validateState(s.transport());
        long[] g = s.generator();
        if (g == null || g.length != 4) {
            throw new IllegalArgumentException("virtio-rng generator state must have 4 words");
        }
        boolean zero = (g[0] | g[1] | g[2] | g[3]) == 0;
        if (zero != (secure != null)) {
            throw new IllegalArgumentException("virtio-rng state is for a "
                    + (zero ? "real-time" : "deterministic") + " machine");
        }
    }

    @Override
    public void restoreState(VirtioRngState s) {
        transport.restoreState(s.transport());
        System.arraycopy(s.generator(), 0, state, 0, 4);
    }
}
