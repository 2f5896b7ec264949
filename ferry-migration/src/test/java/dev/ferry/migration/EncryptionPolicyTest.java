package dev.ferry.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.migration.wire.EncryptionWish;
import org.junit.jupiter.api.Test;

/** What each encryption mode asks for per peer, and when a connection is refused before it starts. */
class EncryptionPolicyTest {

    @Test
    void wishesPerModeAndPeer() {
        assertThat(EncryptionPolicy.DEFAULT.wish(true)).isEqualTo(EncryptionWish.EITHER);
        assertThat(EncryptionPolicy.DEFAULT.wish(false)).isEqualTo(EncryptionWish.REQUIRED);
        assertThat(EncryptionPolicy.of(EncryptionMode.ALWAYS).wish(true)).isEqualTo(EncryptionWish.REQUIRED);
        assertThat(EncryptionPolicy.of(EncryptionMode.ALWAYS).wish(false)).isEqualTo(EncryptionWish.REQUIRED);
        assertThat(EncryptionPolicy.of(EncryptionMode.NEVER).wish(true)).isEqualTo(EncryptionWish.REFUSED);
        assertThat(new EncryptionPolicy(EncryptionMode.NEVER, true).wish(false)).isEqualTo(EncryptionWish.REFUSED);
    }

    @Test
    void plainTextWithARemotePeerNeedsTheExplicitAllowance() {
        assertThat(EncryptionPolicy.of(EncryptionMode.NEVER).refusal(true)).isNull();
        assertThat(EncryptionPolicy.of(EncryptionMode.NEVER).refusal(false)).contains("--allow-plaintext");
        assertThat(new EncryptionPolicy(EncryptionMode.NEVER, true).refusal(false)).isNull();
        assertThat(EncryptionPolicy.DEFAULT.refusal(false)).isNull();
        assertThat(new EncryptionPolicy(EncryptionMode.NEVER, true).plaintextOverNetwork()).isTrue();
        assertThat(EncryptionPolicy.DEFAULT.plaintextOverNetwork()).isFalse();
    }
}
