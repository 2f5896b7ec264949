package dev.ferry.storage.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of an image file as the qcow2 code uses them: positioned reads and writes, the length, and a force to
 * stable storage. An interface so that tests can stop the writes at any point and look at what a crash would leave.
 */
interface ImageFile extends AutoCloseable {

    /** Reads into {@code dst} at {@code position} until it is full; bytes past the end of the file read as zeros. */
    void read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}, extending the file when it ends before. */
    void write(ByteBuffer src, long position) throws IOException;

    /** The file's length in bytes. */
    long length() throws IOException;

    /** Makes every write so far durable (data and the file's length). */
    void force() throws IOException;

    @Override
    void close() throws IOException;
}
