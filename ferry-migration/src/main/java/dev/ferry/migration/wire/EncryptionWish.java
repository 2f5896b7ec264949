package dev.ferry.migration.wire;

/**
 * What one end of a connection asks for about encryption; the source's wish travels in HELLO (protocol 3 on, as
 * {@link #code()}), the target decides with its own ({@link #agree}) and answers in CHALLENGE.
 */
public enum EncryptionWish {
    /** Plain text unless the other end requires encryption. */
    EITHER(0),
    /** Encrypt, or refuse the connection. */
    REQUIRED(1),
    /** Plain text, or refuse the connection. */
    REFUSED(2);

    private static final EncryptionWish[] BY_CODE = WireCodes.table(values(), EncryptionWish::code);

    private final int code;

    EncryptionWish(int code) {
        this.code = code;
    }

    /** The code on the wire. */
    public int code() {
        return code;
    }

    /** The wish with this code, or {@code null}. */
    public static EncryptionWish ofCode(int code) {
        return WireCodes.lookup(BY_CODE, code);
    }

    /**
     * Whether a connection between ends with these wishes is encrypted: when either requires it, unless the other
     * refuses it, which is a mismatch neither can settle.
     *
     * @throws ProtocolException naming who requires and who refuses
     */
    public static boolean agree(EncryptionWish source, EncryptionWish target) throws ProtocolException {
        if (source == REQUIRED && target == REFUSED) {
            throw new ProtocolException("encryption mismatch: the source requires encryption, the target refuses it "
                    + "(its encryption is set to never)");
        }
        if (target == REQUIRED && source == REFUSED) {
            throw new ProtocolException("encryption mismatch: the target requires encryption, the source refuses it "
                    + "(its encryption is set to never)");
        }
        return source == REQUIRED || target == REQUIRED;
    }
}
