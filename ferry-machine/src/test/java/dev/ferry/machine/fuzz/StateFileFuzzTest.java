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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    @FuzzTest(maxDuration = "3s")
    void stateFileOrRecord(FuzzedDataProvider data) throws Exception {
        boolean asFile = data.consumeBoolean();
        Class<? extends Record> type = RECORDS.get(data.consumeInt(0, RECORDS.size() - 1));
        byte[] bytes = data.consumeRemainingAsBytes();
        FuzzProperty.holds(64L << 20, List.of(StateFormatException.class, IOException.class), () -> {
            if (asFile) {
                Files.write(file, bytes);
                MachineStateFile.read(file).stateHash();
            } else {
                RecordCodec.decode(bytes, type);
            }
        });
    }
}
