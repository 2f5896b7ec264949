package dev.ferry.machine.device.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP device as a network back end: opens {@code /dev/net/tun} and attaches to (or creates) the interface
 * {@code name} with {@code TUNSETIFF} and {@code IFF_TAP | IFF_NO_PI}, so every {@code read} is one Ethernet frame
 * and every {@code write} sends one, without a packet-information prefix or virtio header. The system calls go
 * through Java's foreign function API. A reader thread polls the descriptor and hands frames to the attached
 * receiver. The caller creates the interface (or lets this create a non-persistent one), puts it in a namespace
 * and configures addresses; it needs {@code CAP_NET_ADMIN}.
 */
public final class TapBackend implements NetBackend {

    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final long TUNSETIFF = 0x4004_54caL;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short POLLIN = 0x1;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int POLL_MILLIS = 100;
    private static final int MAX_FRAME = 65_536;

    private static final StructLayout ERRNO_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = ERRNO_LAYOUT.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle IOCTL;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;
    private static final MethodHandle POLL;
    private static final MethodHandle CLOSE;
    private static final MethodHandle STRERROR;

    static {
        Linker linker = Linker.nativeLinker();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(find(linker, "open"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                errno);
        IOCTL = linker.downcallHandle(find(linker, "ioctl"),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), errno,
                Linker.Option.firstVariadicArg(2));
        READ = linker.downcallHandle(find(linker, "read"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
        WRITE = linker.downcallHandle(find(linker, "write"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
        POLL = linker.downcallHandle(find(linker, "poll"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
        CLOSE = linker.downcallHandle(find(linker, "close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        STRERROR = linker.downcallHandle(find(linker, "strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static MemorySegment find(Linker linker, String name) {
        return linker.defaultLookup().find(name).orElseThrow(
                () -> new UnsupportedOperationException("libc has no " + name + "()"));
    }

    private final String name;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment txBuffer;
    private final Thread reader;
    private volatile FrameReceiver receiver;
    private volatile boolean closed;
    private boolean released;
    private long sendErrors;

    private TapBackend(String name, int fd) {
        this.name = name;
        this.fd = fd;
        this.txBuffer = arena.allocate(MAX_FRAME);
        this.reader = Thread.ofPlatform().daemon().name("ferry-tap-" + name).unstarted(this::readLoop);
        reader.start();
    }

    /**
     * Opens TAP interface {@code name}, creating it if it does not exist (it then disappears on {@link #close}).
     *
     * @throws IOException with a one-line message if the name is invalid, {@code /dev/net/tun} cannot be opened or
     *                     the interface cannot be attached (for example without {@code CAP_NET_ADMIN}, or when it is
     *                     busy)
     */
    public static TapBackend open(String name) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length == 0 || n.length >= IFNAMSIZ || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IOException("TAP interface name '" + name + "' is not a valid interface name");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(ERRNO_LAYOUT);
            int fd = (int) OPEN.invokeExact(state, a.allocateFrom("/dev/net/tun"), O_RDWR | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException("cannot open /dev/net/tun: " + strerror(state));
            }
            MemorySegment ifr = a.allocate(IFREQ_SIZE);
            MemorySegment.copy(n, 0, ifr, ValueLayout.JAVA_BYTE, 0, n.length);
            ifr.set(JAVA_SHORT, IFNAMSIZ, (short) (IFF_TAP | IFF_NO_PI));
            int rc = (int) IOCTL.invokeExact(state, fd, TUNSETIFF, ifr);
            if (rc < 0) {
                String why = strerror(state);
                int ignored = (int) CLOSE.invokeExact(fd);
                throw new IOException("cannot attach TAP interface " + name + ": " + why);
            }
            return new TapBackend(name, fd);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static String strerror(MemorySegment state) throws Throwable {
        int errno = (int) ERRNO.get(state, 0L);
        MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
        return s.reinterpret(256).getString(0);
    }

    /** The interface name. */
    public String name() {
        return name;
    }

    @Override
    public synchronized void send(byte[] frame, int off, int len) {
        if (closed || len > MAX_FRAME) {
            return;
        }
        MemorySegment.copy(frame, off, txBuffer, ValueLayout.JAVA_BYTE, 0, len);
        try (Arena a = Arena.ofConfined()) {
            long n = (long) WRITE.invokeExact(a.allocate(ERRNO_LAYOUT), fd, txBuffer, (long) len);
            if (n != len) {
                sendErrors++;
            }
        } catch (Throwable t) {
            sendErrors++;
        }
    }

    /** Frames the interface refused (for example while it is down). */
    public synchronized long sendErrors() {
        return sendErrors;
    }

    @Override
    public void attach(FrameReceiver r) {
        receiver = r;
    }

    @Override
    public void detach() {
        receiver = null;
    }

    private void readLoop() {
        byte[] frame = new byte[MAX_FRAME];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(MAX_FRAME);
            MemorySegment pfd = a.allocate(8);
            MemorySegment state = a.allocate(ERRNO_LAYOUT);
            while (!closed) {
                pfd.set(JAVA_INT, 0, fd);
                pfd.set(JAVA_SHORT, 4, POLLIN);
                pfd.set(JAVA_SHORT, 6, (short) 0);
                int ready = (int) POLL.invokeExact(state, pfd, 1L, POLL_MILLIS);
                if (ready <= 0 || closed || (pfd.get(JAVA_SHORT, 6) & POLLIN) == 0) {
                    continue;
                }
                long n = (long) READ.invokeExact(state, fd, buf, (long) MAX_FRAME);
                FrameReceiver r = receiver;
                if (n > 0 && r != null) {
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, frame, 0, (int) n);
                    r.receive(frame, 0, (int) n);
                }
            }
        } catch (Throwable t) {
            closed = true;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            closed = true;
        }
        receiver = null;
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                // the descriptor is gone either way
            }
            arena.close();
        }
    }
}
