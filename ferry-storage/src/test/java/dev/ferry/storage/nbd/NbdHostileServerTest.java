package dev.ferry.storage.nbd;

import static dev.ferry.storage.nbd.FakeNbdServer.chunk;
import static dev.ferry.storage.nbd.FakeNbdServer.greet;
import static dev.ferry.storage.nbd.FakeNbdServer.handshake;
import static dev.ferry.storage.nbd.FakeNbdServer.infoExport;
import static dev.ferry.storage.nbd.FakeNbdServer.optionReply;
import static dev.ferry.storage.nbd.FakeNbdServer.readOption;
import static dev.ferry.storage.nbd.FakeNbdServer.readRequest;
import static dev.ferry.storage.nbd.FakeNbdServer.simpleReply;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ferry.machine.device.block.BlockBackendException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Broken and hostile servers give one-line IOExceptions in bounded time, never a hang or an OutOfMemoryError. */
@Timeout(30)
class NbdHostileServerTest {

    private static final NbdOptions QUICK = NbdOptions.DEFAULT.withTimeouts(Duration.ofMillis(800),
            Duration.ofMillis(800));
    private static final long MIB = 1 << 20;

    private static void assertOneLine(Throwable t) {
        assertThat(t.getMessage()).doesNotContain("\n").doesNotContain("\r");
    }

    /** What opening export {@code disk} throws when the server runs {@code script}: a one-line attach failure. */
    private static AbstractThrowableAssert<?, ? extends Throwable> openingFails(FakeNbdServer.Script script)
            throws IOException {
        try (FakeNbdServer s = new FakeNbdServer(1, script)) {
            Throwable t = catchThrowable(() -> NbdBackend.open(s.address("disk"), false, QUICK));
            return assertThat(t).isInstanceOf(BlockBackendException.class)
                    .satisfies(NbdHostileServerTest::assertOneLine);
        }
    }

    /** How the server answers one request after a good handshake. */
    @FunctionalInterface
    private interface Answer {
        void reply(FakeNbdServer.Request r, DataOutputStream out) throws IOException;
    }

    /** What a read of {@code len} bytes at {@code offset} throws when the server answers it with {@code answer}. */
    private static AbstractThrowableAssert<?, ? extends Throwable> readingFails(boolean structured, long offset,
                                                                                int len, Answer answer)
            throws IOException {
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            answer.reply(readRequest(in), out);
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK.withStructuredReplies(structured))) {
            Throwable t = catchThrowable(() -> disk.read(offset, new byte[len], 0, len));
            return assertThat(t).isInstanceOf(IOException.class).satisfies(NbdHostileServerTest::assertOneLine);
        }
    }

    @Test
    void notAnNbdServer() throws Exception {
        openingFails((i, in, out) -> {
            out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }).hasMessageContaining("'disk'").hasMessageContaining("not an NBD server");
    }

    @Test
    void oldstyleServer() throws Exception {
        openingFails((i, in, out) -> {
            out.writeLong(NbdWire.NBD_MAGIC);
            out.writeLong(NbdWire.OLDSTYLE_MAGIC);
            out.writeLong(MIB);
            out.write(new byte[128]);
            out.flush();
        }).hasMessageContaining("oldstyle");
    }

    @Test
    void hugeOptionReplyLength() throws Exception {
        openingFails((i, in, out) -> {
            greet(out, NbdWire.FLAG_FIXED_NEWSTYLE);
            in.readInt();
            readOption(in);
            out.writeLong(NbdWire.OPTION_REPLY_MAGIC);
            out.writeInt(NbdWire.OPT_GO);
            out.writeInt(NbdWire.REP_INFO);
            out.writeInt(0xfffffff0);
            out.flush();
        }).hasMessageContaining("too long");
    }

    @Test
    void badOptionReplyMagic() throws Exception {
        openingFails((i, in, out) -> {
            greet(out, NbdWire.FLAG_FIXED_NEWSTYLE);
            in.readInt();
            readOption(in);
            out.writeLong(0x1234567812345678L);
            out.write(new byte[12]);
            out.flush();
        }).hasMessageContaining("bad option reply magic");
    }

    @Test
    void silentServerHitsTheConnectDeadline() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            try {
                done.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> NbdBackend.open(s.address("disk"), false, QUICK))
                    .isInstanceOf(BlockBackendException.class).hasMessageContaining("did not respond in time");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            done.countDown();
        }
    }

    @Test
    void refusalNamesTheExportAndCarriesTheServersText() throws Exception {
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            greet(out, NbdWire.FLAG_FIXED_NEWSTYLE);
            in.readInt();
            readOption(in);
            optionReply(out, NbdWire.OPT_GO, NbdWire.REP_ERR_POLICY,
                    "go away\nnow".getBytes(StandardCharsets.UTF_8));
        })) {
            assertThatThrownBy(() -> NbdBackend.open(s.address("vm-disk"), false, QUICK))
                    .isInstanceOf(BlockBackendException.class)
                    .hasMessageContaining("'vm-disk'").hasMessageContaining("refused by the server's policy")
                    .hasMessageContaining("go away now").satisfies(NbdHostileServerTest::assertOneLine);
        }
    }

    @Test
    void sizeThatIsNotWholeSectors() throws Exception {
        openingFails((i, in, out) -> handshake(in, out, 1000, 0))
                .hasMessageContaining("not a multiple of 512");
    }

    @Test
    void sizeBeyondALong() throws Exception {
        openingFails((i, in, out) -> handshake(in, out, -512, 0))
                .hasMessageContaining("too large");
    }

    @Test
    void fallsBackToExportNameWhenGoIsUnknown() throws Exception {
        byte[] sector = new byte[512];
        Arrays.fill(sector, (byte) 9);
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            greet(out, NbdWire.FLAG_FIXED_NEWSTYLE);
            in.readInt();
            FakeNbdServer.Option go = readOption(in);
            optionReply(out, go.option(), NbdWire.REP_ERR_UNSUP, new byte[0]);
            FakeNbdServer.Option name = readOption(in);
            assertThat(name.option()).isEqualTo(NbdWire.OPT_EXPORT_NAME);
            assertThat(new String(name.data(), StandardCharsets.UTF_8)).isEqualTo("old");
            out.writeLong(MIB);
            out.writeShort(NbdWire.TFLAG_HAS_FLAGS | NbdWire.TFLAG_READ_ONLY);
            out.write(new byte[124]);
            out.flush();
            FakeNbdServer.Request r = readRequest(in);
            simpleReply(out, 0, r.cookie(), Arrays.copyOf(sector, r.length()));
        });
             NbdBackend disk = NbdBackend.open(s.address("old"), false, QUICK)) {
            assertThat(disk.size()).isEqualTo(MIB);
            assertThat(disk.readOnly()).isTrue();
            byte[] got = new byte[512];
            disk.read(0, got, 0, 512);
            assertThat(got).isEqualTo(sector);
        }
    }

    @Test
    void badReplyMagic() throws Exception {
        readingFails(false, 0, 512, (r, out) -> {
            out.writeInt(0xdeadbeef);
            out.write(new byte[12]);
            out.flush();
        }).isInstanceOf(NbdProtocolException.class).hasMessageContaining("bad reply magic 0xdeadbeef");
    }

    @Test
    void replyForAnotherCookie() throws Exception {
        readingFails(false, 0, 512, (r, out) -> {
            simpleReply(out, 0, r.cookie() + 7, new byte[r.length()]);
        }).isInstanceOf(NbdProtocolException.class).hasMessageContaining("cookie");
    }

    @Test
    void noReplyHitsTheRequestDeadline() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            readRequest(in);
            try {
                done.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK)) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> disk.read(0, new byte[512], 0, 512))
                    .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("did not respond in time");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            done.countDown();
        }
    }

    @Test
    void serverThatStopsReadingCannotBlockAWrite() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, 64 * MIB, 0);
            try {
                done.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK)) {
            byte[] big = new byte[32 << 20];
            assertThatThrownBy(() -> disk.write(0, big, 0, big.length))
                    .isInstanceOf(SocketTimeoutException.class);
            done.countDown();
        }
    }

    @Test
    void errorReplyLeavesTheConnectionUsable() throws Exception {
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            FakeNbdServer.Request w = readRequest(in);
            simpleReply(out, 28, w.cookie(), null);
            FakeNbdServer.Request r = readRequest(in);
            simpleReply(out, 0, r.cookie(), new byte[r.length()]);
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK)) {
            assertThatThrownBy(() -> disk.write(4096, new byte[512], 0, 512))
                    .isInstanceOf(NbdCommandException.class)
                    .hasMessageContaining("write of 512 bytes at 4096").hasMessageContaining("ENOSPC");
            disk.read(0, new byte[512], 0, 512);
            assertThat(disk.reconnects()).isZero();
        }
    }

    @Test
    void droppedRequestIsSentAgainOnANewConnection() throws Exception {
        byte[] sector = new byte[512];
        Arrays.fill(sector, (byte) 3);
        try (FakeNbdServer s = new FakeNbdServer(2, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            FakeNbdServer.Request r = readRequest(in);
            if (i == 1) {
                simpleReply(out, 0, r.cookie(), sector);
            }
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK)) {
            byte[] got = new byte[512];
            disk.read(0, got, 0, 512);
            assertThat(got).isEqualTo(sector);
            assertThat(disk.reconnects()).isEqualTo(1);
        }
    }

    private static byte[] offsetData(long offset, byte[] data) {
        return ByteBuffer.allocate(8 + data.length).putLong(offset).put(data).array();
    }

    private static byte[] offsetHole(long offset, int length) {
        return ByteBuffer.allocate(12).putLong(offset).putInt(length).array();
    }

    @Test
    void structuredDataAndHoleChunks() throws Exception {
        byte[] half = new byte[2048];
        Arrays.fill(half, (byte) 5);
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            FakeNbdServer.Request r = readRequest(in);
            chunk(out, 0, NbdWire.CHUNK_OFFSET_HOLE, r.cookie(), offsetHole(r.offset() + 2048, 2048));
            chunk(out, NbdWire.REPLY_FLAG_DONE, NbdWire.CHUNK_OFFSET_DATA, r.cookie(), offsetData(r.offset(), half));
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK.withStructuredReplies(true))) {
            byte[] got = new byte[4096];
            Arrays.fill(got, (byte) -1);
            disk.read(8192, got, 0, 4096);
            assertThat(Arrays.copyOf(got, 2048)).containsOnly(5);
            assertThat(Arrays.copyOfRange(got, 2048, 4096)).containsOnly(0);
        }
    }

    @Test
    void structuredChunkLongerThanTheRequest() throws Exception {
        readingFails(true, 0, 512, (r, out) -> {
            out.writeInt(NbdWire.STRUCTURED_REPLY_MAGIC);
            out.writeShort(NbdWire.REPLY_FLAG_DONE);
            out.writeShort(NbdWire.CHUNK_OFFSET_DATA);
            out.writeLong(r.cookie());
            out.writeInt(0x7fffffff);
            out.flush();
        }).isInstanceOf(NbdProtocolException.class).hasMessageContaining("data chunk of 2147483647 bytes");
    }

    @Test
    void structuredChunkOutsideTheRequest() throws Exception {
        readingFails(true, 4096, 512, (r, out) -> {
            chunk(out, NbdWire.REPLY_FLAG_DONE, NbdWire.CHUNK_OFFSET_HOLE, r.cookie(), offsetHole(r.offset() - 512,
                    512));
        }).isInstanceOf(NbdProtocolException.class).hasMessageContaining("outside the request");
    }

    @Test
    void structuredReadThatLeavesAGap() throws Exception {
        readingFails(true, 0, 1024, (r, out) -> {
            chunk(out, NbdWire.REPLY_FLAG_DONE, NbdWire.CHUNK_OFFSET_HOLE, r.cookie(), offsetHole(r.offset(), 512));
        }).isInstanceOf(NbdProtocolException.class).hasMessageContaining("covered 512 of 1024");
    }

    @Test
    void structuredErrorChunk() throws Exception {
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            FakeNbdServer.Request r = readRequest(in);
            byte[] text = "disk\tfailed".getBytes(StandardCharsets.UTF_8);
            chunk(out, NbdWire.REPLY_FLAG_DONE, NbdWire.CHUNK_ERROR, r.cookie(),
                    ByteBuffer.allocate(6 + text.length).putInt(5).putShort((short) text.length).put(text).array());
            FakeNbdServer.Request again = readRequest(in);
            chunk(out, NbdWire.REPLY_FLAG_DONE, NbdWire.CHUNK_OFFSET_DATA, again.cookie(),
                    offsetData(again.offset(), new byte[again.length()]));
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK.withStructuredReplies(true))) {
            assertThatThrownBy(() -> disk.read(0, new byte[512], 0, 512))
                    .isInstanceOf(NbdCommandException.class).hasMessageContaining("EIO")
                    .hasMessageContaining("disk failed");
            disk.read(0, new byte[512], 0, 512);
        }
    }

    @Test
    void structuredChunkWhenSimpleRepliesWereAgreed() throws Exception {
        readingFails(false, 0, 512, (r, out) -> {
            chunk(out, NbdWire.REPLY_FLAG_DONE, NbdWire.CHUNK_OFFSET_DATA, r.cookie(),
                    offsetData(r.offset(), new byte[r.length()]));
        }).isInstanceOf(NbdProtocolException.class).hasMessageContaining("bad reply magic 0x668e33ef");
    }

    @Test
    void infoExportOfTheWrongLength() throws Exception {
        openingFails((i, in, out) -> {
            greet(out, NbdWire.FLAG_FIXED_NEWSTYLE);
            in.readInt();
            readOption(in);
            optionReply(out, NbdWire.OPT_GO, NbdWire.REP_INFO, Arrays.copyOf(infoExport(MIB, 1), 8));
        }).hasMessageContaining("NBD_INFO_EXPORT has 8 bytes");
    }

    @Test
    void reconnectToAnExportOfAnotherSizeFails() throws Exception {
        try (FakeNbdServer s = new FakeNbdServer(2, (i, in, out) -> {
            handshake(in, out, (i + 1) * MIB, 0);
            readRequest(in);
        });
             NbdBackend disk = NbdBackend.open(s.address("disk"), false, QUICK)) {
            assertThatThrownBy(() -> disk.read(0, new byte[512], 0, 512))
                    .hasMessageContaining("the export changed: 2097152 bytes instead of 1048576");
        }
    }

    @Test
    void closeSaysGoodbye() throws Exception {
        CountDownLatch disc = new CountDownLatch(1);
        try (FakeNbdServer s = new FakeNbdServer(1, (i, in, out) -> {
            handshake(in, out, MIB, 0);
            if (readRequest(in).type() == NbdWire.CMD_DISC) {
                disc.countDown();
            }
        })) {
            NbdBackend.open(s.address("disk"), false, QUICK).close();
            assertThat(disc.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
