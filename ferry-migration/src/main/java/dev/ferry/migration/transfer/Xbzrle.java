package dev.ferry.migration.transfer;

import dev.ferry.machine.memory.GuestMemory;
import dev.ferry.migration.wire.ProtocolException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A delta encoding of a page against an older copy, in the spirit of QEMU's XBZRLE: a sequence of runs, each
 * a varint count of unchanged bytes to skip, a varint count of changed bytes, and those bytes. Bytes after
 * the last run are unchanged. Unchanged gaps shorter than {@link #MIN_GAP} are folded into the changed run,
 * which keeps scattered small writes compact. Worth sending only when shorter than the page (or its LZ4 form).
 */
public final class Xbzrle {

    /** Unchanged stretches shorter than this are sent as changed bytes. */
    static final int MIN_GAP = 4;
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Xbzrle() {
    }

    /**
     * Encodes {@code now} against {@code old} (both one page from offset 0) into {@code out}.
     *
     * @return the encoded length, or -1 when it would exceed {@code limit} bytes
     */
    public static int encode(byte[] old, byte[] now, byte[] out, int limit) {
        int pos = 0;
        int o = 0;
        int last = 0;
        while (pos < PAGE) {
            pos = firstDifference(old, now, pos);
            if (pos >= PAGE) {
                break;
            }
            int start = pos;
            int end = start + 1;
            int same = 0;
            for (int i = start + 1; i < PAGE; i++) {
                if (old[i] == now[i]) {
                    if (++same >= MIN_GAP) {
                        break;
                    }
                } else {
                    same = 0;
                    end = i + 1;
                }
            }
            int len = end - start;
            int need = varintSize(start - last) + varintSize(len) + len;
            if (o + need > limit) {
                return -1;
            }
            o = putVarint(out, o, start - last);
            o = putVarint(out, o, len);
            System.arraycopy(now, start, out, o, len);
            o += len;
            last = end;
            pos = end;
        }
        return o;
    }

    private static int firstDifference(byte[] a, byte[] b, int from) {
        int i = from;
        while ((i & 7) != 0 && i < PAGE) {
            if (a[i] != b[i]) {
                return i;
            }
            i++;
        }
        for (; i < PAGE; i += 8) {
            long x = (long) I64.get(a, i) ^ (long) I64.get(b, i);
            if (x != 0) {
                return i + (Long.numberOfTrailingZeros(x) >>> 3);
            }
        }
        return PAGE;
    }

    /**
     * Applies a delta of {@code len} bytes at {@code src[off]} to {@code page} (one page from offset 0), in place.
     *
     * @throws ProtocolException if the delta is malformed or reaches outside the page
     */
    public static void decode(byte[] src, int off, int len, byte[] page) throws ProtocolException {
        int end = off + len;
        int pos = 0;
        int[] cursor = {off};
        while (cursor[0] < end) {
            int skip = getVarint(src, cursor, end);
            int n = getVarint(src, cursor, end);
            if (n == 0 || pos + skip + n > PAGE || pos + skip + n < 0) {
                throw new ProtocolException("xbzrle delta reaches outside the page");
            }
            if (end - cursor[0] < n) {
                throw new ProtocolException("xbzrle delta truncated");
            }
            pos += skip;
            System.arraycopy(src, cursor[0], page, pos, n);
            cursor[0] += n;
            pos += n;
        }
    }

    static int varintSize(int v) {
        return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
    }

    static int putVarint(byte[] out, int o, int v) {
        while (v >= 0x80) {
            out[o++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        out[o++] = (byte) v;
        return o;
    }

    private static int getVarint(byte[] src, int[] cursor, int end) throws ProtocolException {
        int v = 0;
        for (int shift = 0; shift < 21; shift += 7) {
            if (cursor[0] >= end) {
                throw new ProtocolException("xbzrle delta truncated");
            }
            int b = src[cursor[0]++] & 0xff;
            v |= (b & 0x7f) << shift;
            if (b < 0x80) {
                if (v > PAGE) {
                    throw new ProtocolException("xbzrle run of " + v + " bytes exceeds a page");
                }
                return v;
            }
        }
        throw new ProtocolException("xbzrle varint too long");
    }
}
