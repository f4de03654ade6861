package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Response;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsServerTest {
    @TempDir
    static Path certs;
    private TetherServer server;

    @BeforeAll
    static void issue() throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("alice"), Duration.ofDays(2));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private void start(String provider) {
        server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
                "listen", List.of("tls://127.0.0.1:0", "wss://127.0.0.1:0/tether"),
                "io-threads", List.of("2"),
                "tls-cert", List.of(certs.resolve("server.pem").toString()),
                "tls-key", List.of(certs.resolve("server.key").toString()),
                "tls-ca", List.of(certs.resolve("ca.pem").toString()),
                "tls-provider", List.of(provider))))
            .onRequest("whoami", call -> Reply.ok(ByteString.copyFromUtf8(call.peer().commonName())))
            .start();
    }

    private TlsClientSettings alice(String provider) {
        return new TlsClientSettings(certs.resolve("alice.pem"), certs.resolve("alice.key"), null,
            certs.resolve("ca.pem"), TlsProvider.fromFlag(provider), null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldServeMutualTlsOnTlsAndWssWithThePeerIdentityForHandlers(String provider) throws Exception {
        start(provider);
        final String tls = "tls://127.0.0.1:" + server.boundAddresses().get(0).getPort();
        final String wss = "wss://localhost:" + server.boundAddresses().get(1).getPort() + "/tether";
        for (String url : List.of(tls, wss)) {
            try (TetherClient client = TetherClient.builder().clientId("alice").tls(alice(provider)).connect(url)) {
                assertThat(client.sessionId()).hasSize(22);
                final Response echo = client.request("echo", ByteString.copyFromUtf8("over " + url))
                    .get(10, TimeUnit.SECONDS);
                assertThat(echo.getPayload().toStringUtf8()).isEqualTo("over " + url);
                final Response who = client.request("whoami", ByteString.EMPTY).get(10, TimeUnit.SECONDS);
                assertThat(who.getPayload().toStringUtf8()).isEqualTo("alice");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "bc"})
    void shouldRefuseAClientWithoutACertificateAndCountIt(String provider) throws Exception {
        start(provider);
        final String tls = "tls://127.0.0.1:" + server.boundAddresses().get(0).getPort();
        final TlsClientSettings anonymous = new TlsClientSettings(null, null, null, certs.resolve("ca.pem"),
            TlsProvider.fromFlag(provider), null);
        assertThatThrownBy(() -> TetherClient.builder().tls(anonymous).timeout(Duration.ofSeconds(5)).connect(tls))
            .isInstanceOf(IOException.class);
        TestServers.await("TLS failure counted", () -> server.counters().total(Metric.TLS_FAILURES) >= 1);
        // The server keeps serving everyone else.
        try (TetherClient client = TetherClient.builder().tls(alice(provider)).connect(tls)) {
            assertThat(client.request("echo", ByteString.copyFromUtf8("still")).get(10, TimeUnit.SECONDS)
                .getPayload().toStringUtf8()).isEqualTo("still");
        }
    }
}
