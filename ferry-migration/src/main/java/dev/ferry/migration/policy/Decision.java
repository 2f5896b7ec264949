package dev.ferry.migration.policy;

import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link MigrationPolicy} tells its caller to do next. The engine carries a decision out on a real VM and
 * link; the simulator carries it out on a model. Page sets and orders are handed over, not copied: the caller
 * owns them from then on.
 */
public sealed interface Decision {

    /**
     * Run another pre-copy round while the VM keeps running.
     *
     * @param order          pages to send, in this order
     * @param delayed        pending pages held back as hot; they wait for the final round
     * @param rateBitsPerSec send-rate limit for the round, 0 = unlimited
     * @param throttle       vCPU throttle (0..1) to apply for the round
     * @param notes          what the policy changed, for the report (e.g. "throttle raised to 30%")
     */
    record Send(int[] order, BitSet delayed, long rateBitsPerSec, double throttle, List<String> notes)
            implements Decision {
        /** Checks the fields and copies the notes. */
        public Send {
            Objects.requireNonNull(order, "order");
            Objects.requireNonNull(delayed, "delayed");
            notes = List.copyOf(notes);
        }
    }

    /**
     * Pause the VM and send {@code pages} (plus whatever the final dirty-log harvest adds), then switch over.
     *
     * @param pages          pages still to send
     * @param rateBitsPerSec send-rate limit, 0 = unlimited
     * @param reason         why pre-copy ends here, for the report
     */
    record StopAndCopy(BitSet pages, long rateBitsPerSec, String reason) implements Decision {
        /** Checks the fields. */
        public StopAndCopy {
            Objects.requireNonNull(pages, "pages");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Switch execution to the target with {@code absent} (plus whatever the final dirty-log harvest adds) still on
     * the source; {@link MigrationPolicy#postCopy} then decides how those pages move.
     *
     * @param absent         pages the target does not have current
     * @param rateBitsPerSec send-rate limit for the background push, 0 = unlimited
     * @param reason         why execution switches now, for the report
     */
    record PostCopy(BitSet absent, long rateBitsPerSec, String reason) implements Decision {
        /** Checks the fields. */
        public PostCopy {
            Objects.requireNonNull(absent, "absent");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Give up before switchover; the VM keeps running on the source.
     *
     * @param reason why, for the user
     */
    record Abort(String reason) implements Decision {
        /** Checks the field. */
        public Abort {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
