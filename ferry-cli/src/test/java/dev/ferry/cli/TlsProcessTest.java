package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.host.auth.ApiToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A host listening off loopback serves its control API only over TLS, and still only with the token: curl with
 * the host's certificate gets in with the token and is refused without it, plain HTTP gets nothing, and the
 * {@code ferry} command (in a JVM that trusts the certificate) works with {@code https://HOST:PORT}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsProcessTest extends TwoHostProcesses {

    private static final String PASSWORD = "ferry-test-password";

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private record Result(int status, String out) {
    }

    private static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private Result curl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-w", "\n%{http_code}", "--max-time", "10"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    @Test
    void remoteAccessNeedsTlsAndTheToken() throws Exception {
        assumeTrue(run(List.of("curl", "--version")).status() == 0, "needs curl");
        Path keyStore = dir.resolve("host.p12");
        Path cert = dir.resolve("host.pem");
        Path trust = dir.resolve("trust.p12");
        assertThat(run(List.of(tool("keytool"), "-genkeypair", "-alias", "ferry", "-keyalg", "EC", "-groupname",
                "secp256r1", "-validity", "2", "-dname", "CN=ferry-test", "-ext", "SAN=ip:127.0.0.1",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD)).status()).isZero();
        assertThat(run(List.of(tool("keytool"), "-exportcert", "-alias", "ferry", "-keystore", keyStore.toString(),
                "-storepass", PASSWORD, "-rfc", "-file", cert.toString())).status()).isZero();
        assertThat(run(List.of(tool("keytool"), "-importcert", "-noprompt", "-alias", "ferry", "-file",
                cert.toString(), "-keystore", trust.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD))
                .status()).isZero();
        Path password = Files.writeString(dir.resolve("password"), PASSWORD + "\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));

        a = HostProcess.start("A", HostProcess.secretFile(dir, "secret"), "--listen", "0.0.0.0:0",
                "--tls-keystore", keyStore.toString(), "--tls-password-file", password.toString());
        String port = a.control().substring(a.control().lastIndexOf(':') + 1);
        String url = "https://127.0.0.1:" + port + "/v1/host";
        String auth = "Authorization: " + ApiToken.read(a.tokenFile()).authorization();

        Result withToken = curl("--cacert", cert.toString(), "-H", auth, url);
        assertThat(withToken.out()).contains("\"name\":\"A\"").endsWith("\n200");
        Result without = curl("--cacert", cert.toString(), url);
        assertThat(without.out()).contains("\"code\":\"unauthorized\"").endsWith("\n401");
        Result plain = curl("-H", auth, "http://127.0.0.1:" + port + "/v1/host");
        assertThat(plain.out()).doesNotContain("\"name\"");
        assertThat(plain.out().strip()).endsWith("000");

        String javaBin = ProcessHandle.current().info().command().orElse(tool("java"));
        Result cli = run(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "-Djavax.net.ssl.trustStore=" + trust,
                "-Djavax.net.ssl.trustStorePassword=" + PASSWORD, "-Dferry.home=" + System.getProperty("ferry.home"),
                "dev.ferry.cli.Main", "vm", "create", "--host", "https://127.0.0.1:" + port, "--token-file",
                a.tokenFile().toString(), "--name", "remote", "--image", "idle"));
        assertThat(cli.out()).as(cli.out()).contains("created VM remote");
        assertThat(cli.status()).isZero();
    }
}
