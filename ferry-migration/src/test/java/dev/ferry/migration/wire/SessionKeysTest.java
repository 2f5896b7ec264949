package dev.ferry.migration.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** HKDF-SHA256 against the test vectors of RFC 5869 (appendix A.1 to A.3), and what the session keys depend on. */
class SessionKeysTest {

    private static final HexFormat HEX = HexFormat.of();

    private static void vector(String ikm, String salt, String info, int length, String prk, String okm) {
        byte[] p = SessionKeys.extract(HEX.parseHex(salt), HEX.parseHex(ikm));
        assertThat(HEX.formatHex(p)).isEqualTo(prk);
        assertThat(HEX.formatHex(SessionKeys.expand(p, HEX.parseHex(info), length))).isEqualTo(okm);
    }

    @Test
    void rfc5869BasicCase() {
        vector("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
                "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void rfc5869LongInputs() {
        StringBuilder ikm = new StringBuilder();
        StringBuilder salt = new StringBuilder();
        StringBuilder info = new StringBuilder();
        for (int i = 0; i < 0x50; i++) {
            ikm.append(String.format("%02x", i));
            salt.append(String.format("%02x", 0x60 + i));
            info.append(String.format("%02x", 0xb0 + i));
        }
        vector(ikm.toString(), salt.toString(), info.toString(), 82,
                "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da32"
                        + "75600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
    }

    @Test
    void rfc5869EmptySaltAndInfo() {
        vector("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
                "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void keysDifferPerDirectionNonceAndConnection() {
        byte[] secret = "s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] a = new byte[32];
        byte[] b = new byte[32];
        b[0] = 1;
        Handshake.Hello h = new Handshake.Hello(Handshake.Purpose.PAGES, "m", 1);
        SessionKeys k = SessionKeys.derive(secret, a, b, h);
        assertThat(k.sourceToTarget()).hasSize(32).isNotEqualTo(k.targetToSource());
        assertThat(SessionKeys.derive(secret, a, b, h).sourceToTarget()).isEqualTo(k.sourceToTarget());
        assertThat(SessionKeys.derive(secret, b, a, h).sourceToTarget()).isNotEqualTo(k.sourceToTarget());
        assertThat(SessionKeys.derive(secret, a, b, new Handshake.Hello(Handshake.Purpose.PAGES, "m", 2))
                .sourceToTarget()).isNotEqualTo(k.sourceToTarget());
        assertThat(SessionKeys.derive("other".getBytes(java.nio.charset.StandardCharsets.UTF_8), a, b, h)
                .sourceToTarget()).isNotEqualTo(k.sourceToTarget());
        assertThat(k.toString()).doesNotContain("[B");
    }
}
