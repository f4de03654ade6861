package io.tether.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.TestServers;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.server.TetherServer;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chaos bench against a real server, over each transport: connections cut all the time, and nothing lost,
 * doubled or reordered. (Over TLS a client that had received pushes once acknowledged them on a reconnect before
 * its Hello, and the server closed it for good: every transport's reconnect path runs here.)
 */
class ChaosBenchTest {
    @TempDir
    static Path certs;

    @BeforeAll
    static void issue() throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("chaos"), Duration.ofDays(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws", "tls", "wss"})
    void shouldCountNoLossNoDuplicateAndNoReorderingWhileConnectionsAreCut(String scheme) throws Exception {
        final boolean tls = scheme.equals("tls") || scheme.equals("wss");
        final String path = scheme.startsWith("ws") ? "/chaos" : "";
        final Map<String, List<String>> config = new HashMap<>(Map.of(
            "listen", List.of(scheme + "://127.0.0.1:0" + path), "io-threads", List.of("2")));
        if (tls) {
            config.put("tls-cert", List.of(certs.resolve("server.pem").toString()));
            config.put("tls-key", List.of(certs.resolve("server.key").toString()));
            config.put("tls-ca", List.of(certs.resolve("ca.pem").toString()));
        }
        final TetherServer server = TetherServer.builder().config(ConfigBinder.bind(config)).start();
        try (server) {
            final ListenAddress target = ListenAddress.parse(
                scheme + "://127.0.0.1:" + TestServers.address(server).getPort() + path);
            final TlsClientSettings clientTls = tls ? TlsClientSettings.mutual(certs.resolve("chaos.pem"),
                certs.resolve("chaos.key"), certs.resolve("ca.pem")) : null;
            final List<String> progress = new CopyOnWriteArrayList<>();
            final ChaosBench.Result r = ChaosBench.run(target, clientTls, 20, 8, Duration.ofSeconds(3), 20,
                progress::add);
            assertThat(r.cuts()).isGreaterThanOrEqualTo(40);
            assertThat(r.resumes()).as("cut sessions came back resumed: %s", r).isGreaterThanOrEqualTo(r.cuts() / 2);
            assertThat(r.sent()).isPositive();
            assertThat(r.received()).as("%s", r).isEqualTo(r.sent());
            assertThat(r.lost()).isZero();
            assertThat(r.duplicated()).isZero();
            assertThat(r.outOfOrder()).isZero();
            assertThat(r.failedRequests()).as("%s", r).isZero();
            assertThat(r.sessionsLost()).isZero();
            assertThat(progress).isNotEmpty();
        }
    }
}
