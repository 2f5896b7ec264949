package dev.ferry.storage.nbd;

/**
 * The codes of the NBD protocol (NetworkBlockDevice/nbd {@code doc/proto.md}) that Ferry's client sends or
 * understands, with their names for error messages. Every field on the wire is big-endian.
 */
final class NbdWire {

    private NbdWire() {
    }

    /** "NBDMAGIC": the first eight bytes any server sends. */
    static final long NBD_MAGIC = 0x4e42444d41474943L;
    /** "IHAVEOPT": newstyle negotiation; also the prefix of every option the client sends. */
    static final long IHAVEOPT = 0x49484156454f5054L;
    /** The second magic of an oldstyle server (which Ferry does not speak). */
    static final long OLDSTYLE_MAGIC = 0x0000420281861253L;
    /** Prefix of every option reply. */
    static final long OPTION_REPLY_MAGIC = 0x0003e889045565a9L;
    /** Prefix of every transmission request. */
    static final int REQUEST_MAGIC = 0x25609513;
    /** Prefix of a simple reply. */
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    /** Prefix of a structured reply chunk. */
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    /** Handshake flags (server). */
    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 1 << 1;
    /** Client flags. */
    static final int FLAG_C_FIXED_NEWSTYLE = 1;
    static final int FLAG_C_NO_ZEROES = 1 << 1;

    /** Options. */
    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;

    /** Option replies; errors have bit 31 set. */
    static final int REP_ACK = 1;
    static final int REP_INFO = 3;
    static final int REP_FLAG_ERROR = 1 << 31;
    static final int REP_ERR_UNSUP = REP_FLAG_ERROR + 1;
    static final int REP_ERR_POLICY = REP_FLAG_ERROR + 2;
    static final int REP_ERR_INVALID = REP_FLAG_ERROR + 3;
    static final int REP_ERR_PLATFORM = REP_FLAG_ERROR + 4;
    static final int REP_ERR_TLS_REQD = REP_FLAG_ERROR + 5;
    static final int REP_ERR_UNKNOWN = REP_FLAG_ERROR + 6;
    static final int REP_ERR_SHUTDOWN = REP_FLAG_ERROR + 7;
    static final int REP_ERR_BLOCK_SIZE_REQD = REP_FLAG_ERROR + 8;
    static final int REP_ERR_TOO_BIG = REP_FLAG_ERROR + 9;

    /** Information items of NBD_OPT_GO. */
    static final int INFO_EXPORT = 0;
    static final int INFO_BLOCK_SIZE = 3;

    /** Transmission flags. */
    static final int TFLAG_HAS_FLAGS = 1;
    static final int TFLAG_READ_ONLY = 1 << 1;
    static final int TFLAG_SEND_FLUSH = 1 << 2;
    static final int TFLAG_SEND_FUA = 1 << 3;
    static final int TFLAG_SEND_TRIM = 1 << 5;
    static final int TFLAG_SEND_WRITE_ZEROES = 1 << 6;

    /** Commands. */
    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_WRITE_ZEROES = 6;

    /** Command flags. */
    static final int CMD_FLAG_FUA = 1;

    /** Structured reply chunks. */
    static final int REPLY_FLAG_DONE = 1;
    static final int CHUNK_NONE = 0;
    static final int CHUNK_OFFSET_DATA = 1;
    static final int CHUNK_OFFSET_HOLE = 2;
    static final int CHUNK_ERROR = (1 << 15) + 1;
    static final int CHUNK_ERROR_OFFSET = (1 << 15) + 2;

    /** The name of a command, for messages. */
    static String commandName(int type) {
        return switch (type) {
            case CMD_READ -> "read";
            case CMD_WRITE -> "write";
            case CMD_DISC -> "disconnect";
            case CMD_FLUSH -> "flush";
            case CMD_TRIM -> "trim";
            case CMD_WRITE_ZEROES -> "write-zeroes";
            default -> "command " + type;
        };
    }

    /** What an option error reply means, for messages. */
    static String optionErrorName(int reply) {
        return switch (reply) {
            case REP_ERR_UNSUP -> "option not supported (NBD_REP_ERR_UNSUP)";
            case REP_ERR_POLICY -> "refused by the server's policy (NBD_REP_ERR_POLICY)";
            case REP_ERR_INVALID -> "invalid request (NBD_REP_ERR_INVALID)";
            case REP_ERR_PLATFORM -> "not supported on the server's platform (NBD_REP_ERR_PLATFORM)";
            case REP_ERR_TLS_REQD -> "the server requires TLS, which Ferry does not speak (NBD_REP_ERR_TLS_REQD)";
            case REP_ERR_UNKNOWN -> "no such export (NBD_REP_ERR_UNKNOWN)";
            case REP_ERR_SHUTDOWN -> "the server is shutting down (NBD_REP_ERR_SHUTDOWN)";
            case REP_ERR_BLOCK_SIZE_REQD -> "the server requires block size negotiation (NBD_REP_ERR_BLOCK_SIZE_REQD)";
            case REP_ERR_TOO_BIG -> "request too big (NBD_REP_ERR_TOO_BIG)";
            default -> "error reply 0x" + Integer.toHexString(reply);
        };
    }

    /** The name of an errno a server returns in a reply, for messages. */
    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM (operation not permitted)";
            case 5 -> "EIO (input/output error)";
            case 12 -> "ENOMEM (out of memory)";
            case 22 -> "EINVAL (invalid argument)";
            case 28 -> "ENOSPC (no space left on device)";
            case 75 -> "EOVERFLOW (value too large)";
            case 95 -> "ENOTSUP (not supported)";
            case 108 -> "ESHUTDOWN (server shutting down)";
            default -> "error " + Integer.toUnsignedString(errno);
        };
    }
}
