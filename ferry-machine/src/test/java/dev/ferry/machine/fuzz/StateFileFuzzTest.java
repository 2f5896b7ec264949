package dev.ferry.machine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.board.BoardState;
import dev.ferry.machine.cpu.CpuState;
import dev.ferry.machine.device.ClintState;
import dev.ferry.machine.device.PlicState;
import dev.ferry.machine.device.UartState;
import dev.ferry.machine.device.virtio.VirtioBalloonState;
import dev.ferry.machine.device.virtio.VirtioMmioState;
import dev.ferry.machine.state.MachineStateFile;
import dev.ferry.machine.state.RecordCodec;
import dev.ferry.machine.state.StateFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * State files and component records of arbitrary bytes: {@link MachineStateFile#read} and {@link RecordCodec#decode}
 * end in a {@link StateFormatException} (an I/O error for the file) or a result, never in another exception, an
 * {@code OutOfMemoryError} or an unbounded allocation.
 */
class StateFileFuzzTest {

    private static final List<Class<? extends Record>> RECORDS = List.of(CpuState.class, BoardState.class,
            ClintState.class, PlicState.class, UartState.class, VirtioMmioState.class, VirtioBalloonState.class);
    private static Path file;

    @BeforeAll
    static void createFile() throws IOException {
        file = Files.createTempFile("ferry-fuzz-", ".state");
    }

    @AfterAll
    static void deleteFile() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * A state file around {@code body}: magic, {@code version}, the total length and the CRC32C trailer all right,
     * so that the fuzzer reaches the structure behind the checksum.
     */
    private static byte[] wellFramed(int version, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(7 + 1 + 8 + body.length + 4);
        b.put("FERRYST".getBytes(StandardCharsets.US_ASCII)).put((byte) version).putLong(b.capacity()).put(body);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    @FuzzTest(maxDuration = "3s")
    void stateFileOrRecord(FuzzedDataProvider data) throws Exception {
        int mode = data.consumeInt(0, 2);
        int version = data.consumeInt(MachineStateFile.OLDEST_READABLE_VERSION, MachineStateFile.FORMAT_VERSION);
        Class<? extends Record> type = RECORDS.get(data.consumeInt(0, RECORDS.size() - 1));
        byte[] bytes = data.consumeRemainingAsBytes();
        FuzzProperty.holds(64L << 20, List.of(StateFormatException.class, IOException.class), () -> {
            if (mode < 2) {
                Files.write(file, mode == 0 ? bytes : wellFramed(version, bytes));
                MachineStateFile.read(file).stateHash();
            } else {
                RecordCodec.decode(bytes, type);
            }
        });
    }
}
