package dev.ferry.migration;

import dev.ferry.migration.wire.EncryptionWish;
import java.util.Objects;

/**
 * A host's choice about encrypting migration connections, resolved per connection from whether the peer is
 * loopback: figures in, a wish for the handshake out. Encryption is on by default when the peer is not loopback
 * and off on loopback (for speed) unless the peer asks; {@link EncryptionMode#ALWAYS} forces it on, and
 * {@link EncryptionMode#NEVER} forces it off, for a peer that is not loopback only with
 * {@code plaintextToRemotePeers} (an explicit {@code --allow-plaintext}), since then VM memory crosses the network
 * readable to anyone on the path.
 *
 * @param mode                   what the operator chose
 * @param plaintextToRemotePeers with {@link EncryptionMode#NEVER}: also talk in plain text to peers that are not
 *                               loopback (otherwise such connections are refused)
 */
public record EncryptionPolicy(EncryptionMode mode, boolean plaintextToRemotePeers) {

    /** {@link EncryptionMode#AUTO}. */
    public static final EncryptionPolicy DEFAULT = new EncryptionPolicy(EncryptionMode.AUTO, false);

    /** Checks the fields. */
    public EncryptionPolicy {
        Objects.requireNonNull(mode, "mode");
    }

    /** {@code mode} without the allowance for plain text with remote peers. */
    public static EncryptionPolicy of(EncryptionMode mode) {
        return new EncryptionPolicy(mode, false);
    }

    /** What this end asks for on a connection with a peer that is (or is not) loopback. */
    public EncryptionWish wish(boolean peerIsLoopback) {
        return switch (mode) {
            case ALWAYS -> EncryptionWish.REQUIRED;
            case AUTO -> peerIsLoopback ? EncryptionWish.EITHER : EncryptionWish.REQUIRED;
            case NEVER -> EncryptionWish.REFUSED;
        };
    }

    /**
     * Why a connection with this peer must not even be attempted, or {@code null}: plain text with a peer that is
     * not loopback without the explicit allowance.
     */
    public String refusal(boolean peerIsLoopback) {
        if (mode == EncryptionMode.NEVER && !peerIsLoopback && !plaintextToRemotePeers) {
            return "unencrypted migration with a peer that is not loopback refused: encryption is set to never "
                    + "without --allow-plaintext";
        }
        return null;
    }

    /** True when connections with peers that are not loopback go unencrypted: worth a warning in the host's log. */
    public boolean plaintextOverNetwork() {
        return mode == EncryptionMode.NEVER && plaintextToRemotePeers;
    }
}
