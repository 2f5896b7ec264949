package dev.ferry.migration.wire;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ferry.machine.fuzz.FuzzProperty;
import java.util.List;

/**
 * The decoders of the control frames on arbitrary payloads: BEGIN, DEVICE_STATE, SWITCHOVER, bitmaps,
 * CONSOLE_HISTORY, ROUND_APPLIED, ROUND_END, PAGE_REQUEST, the fault statistics and ERROR give a value or a
 * {@link ProtocolException}, and allocate no more than the payload justifies.
 */
class MessagesFuzzTest {

    @FuzzTest(maxDuration = "3s")
    void controlPayloads(FuzzedDataProvider data) throws Exception {
        int which = data.consumeInt(0, 9);
        int version = data.consumeInt(Handshake.MIN_VERSION, Handshake.VERSION);
        int pageCount = data.consumeInt(1, 1 << 20);
        int streams = data.consumeInt(1, 16);
        byte[] payload = data.consumeRemainingAsBytes();
        FuzzProperty.holds((16L << 20) + 16L * payload.length, List.of(ProtocolException.class), () -> {
            switch (which) {
                case 0 -> Messages.Begin.decode(new Frame(FrameType.BEGIN, payload), version);
                case 1 -> Messages.deviceState(new Frame(FrameType.DEVICE_STATE, payload));
                case 2 -> Messages.Switchover.decode(new Frame(FrameType.SWITCHOVER, payload), pageCount, streams,
                        version);
                case 3 -> Messages.bitmap(new Frame(FrameType.RECOVER_STATE, payload).reader(), pageCount);
                case 4 -> Messages.consoleHistory(new Frame(FrameType.CONSOLE_HISTORY, payload));
                case 5 -> Messages.roundApplied(new Frame(FrameType.ROUND_APPLIED, payload));
                case 6 -> Messages.RoundEnd.decode(new Frame(FrameType.ROUND_END, payload));
                case 7 -> Messages.pageRequest(new Frame(FrameType.PAGE_REQUEST, payload), pageCount);
                case 8 -> Messages.FaultStats.decode(new Frame(FrameType.COMPLETE, payload));
                default -> Messages.error(new Frame(FrameType.ERROR, payload));
            }
        });
    }
}
