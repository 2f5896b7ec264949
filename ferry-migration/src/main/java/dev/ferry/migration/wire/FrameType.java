package dev.ferry.migration.wire;

/** Every frame the migration protocol knows, with its one-byte code on the wire. */
public enum FrameType {
    /** Connection opener from the source: version, purpose, migration id, nonce. */
    HELLO(1),
    /** Target's answer to HELLO: its version, nonce and proof of the secret. */
    CHALLENGE(2),
    /** Source's proof of the secret. */
    AUTH(3),
    /** Target accepted the source's proof. */
    AUTH_OK(4),
    /** Source: VM descriptor, machine configuration and the options the target needs. */
    BEGIN(5),
    /** Target: ready to receive pages. */
    BEGIN_OK(6),
    /** A batch of pages with their encodings. */
    PAGES(7),
    /** End of a round on one page stream. */
    ROUND_END(8),
    /** CPU and device records. */
    DEVICE_STATE(9),
    /** Source: everything is sent; switch execution to the target. */
    SWITCHOVER(10),
    /** Target: the image is complete (pre-copy); waiting for COMMIT. */
    READY(11),
    /** Source: start the VM; the source will not run it again. */
    COMMIT(12),
    /** Target: the VM runs here. */
    RUNNING(13),
    /** Target (post-copy): the vCPU needs this page. */
    PAGE_REQUEST(14),
    /** Target (demand migration): push what is left. */
    PUSH_REST(15),
    /** Source (post-copy): every page is sent. */
    PUSH_DONE(16),
    /** Target (post-copy): every page is present; carries the fault statistics. */
    COMPLETE(17),
    /** Target (post-copy recovery): the pages still missing. */
    RECOVER_STATE(18),
    /** Either side: the migration fails, with a reason. */
    ERROR(19),
    /** Source: the user cancelled the migration. */
    CANCEL(20),
    /** Source (protocol 3 on): the VM's recent console output, right before SWITCHOVER. */
    CONSOLE_HISTORY(21),
    /** Target (protocol 3 on): every page stream delivered this round and its pages are in guest memory. */
    ROUND_APPLIED(22);

    private static final FrameType[] BY_CODE = WireCodes.table(values(), FrameType::code);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The code on the wire. */
    public int code() {
        return code;
    }

    /** The type with this code, or {@code null}. */
    public static FrameType ofCode(int code) {
        return WireCodes.lookup(BY_CODE, code);
    }
}
