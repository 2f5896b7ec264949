package dev.ferry.migration;

/** Whether a host encrypts its migration connections ({@code ferry host --encrypt}). */
public enum EncryptionMode {
    /** Encrypt every connection; refuse a peer that cannot or will not. */
    ALWAYS,
    /** Encrypt connections with peers that are not loopback; on loopback only when the peer asks (the default). */
    AUTO,
    /** Never encrypt: refuse a peer that requires it. Peers that are not loopback need an explicit allowance. */
    NEVER
}
