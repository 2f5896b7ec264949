/**
 * An NBD client that makes a network block device export a virtual disk ({@link dev.ferry.storage.nbd.NbdBackend}):
 * the shared storage of a migration that moves only memory. It speaks the fixed newstyle handshake with
 * NBD_OPT_GO (falling back to NBD_OPT_EXPORT_NAME), simple or structured replies, and bounds every wait and every
 * length a server sends, so a broken or hostile server costs an I/O error, never a hang or the heap.
 */
package dev.ferry.storage.nbd;
