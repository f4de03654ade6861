package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handshake breaker over real sockets: clients that open TLS connections and never say a word time out their
 * handshakes until the breaker opens and refuses everyone new, a well-behaved mTLS client included; once they stop,
 * the breaker lets probes through after its open time and closes again when they complete.
 */
class AdmissionBreakerTest {
    @TempDir
    static Path certs;
    private TetherServer server;
    private final List<Socket> stalled = new ArrayList<>();

    @BeforeAll
    static void issue() throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("alice"), Duration.ofDays(2));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : stalled) {
            s.close();
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private String url() {
        return "tls://127.0.0.1:" + server.boundAddresses().get(0).getPort();
    }

    private TetherClient alice() throws IOException {
        return TetherClient.builder().clientId("alice").reconnect(false).timeout(Duration.ofSeconds(3))
            .tls(new TlsClientSettings(certs.resolve("alice.pem"), certs.resolve("alice.key"), null,
                certs.resolve("ca.pem"), TlsProvider.JDK, null))
            .connect(url());
    }

    private boolean aliceGetsIn() {
        try (TetherClient c = alice()) {
            return c.request("echo", ByteString.copyFromUtf8("hi")).get(5, TimeUnit.SECONDS).getStatus() == 0;
        } catch (Exception refused) {
            return false;
        }
    }

    @Test
    void shouldOpenOnStalledTlsHandshakesAndCloseAgainOnceTheyStop() throws Exception {
        final Map<String, List<String>> values = new HashMap<>();
        values.put("listen", List.of("tls://127.0.0.1:0"));
        values.put("io-threads", List.of("2"));
        values.put("tls-cert", List.of(certs.resolve("server.pem").toString()));
        values.put("tls-key", List.of(certs.resolve("server.key").toString()));
        values.put("tls-ca", List.of(certs.resolve("ca.pem").toString()));
        values.put("admission-exempt", List.of("192.0.2.0/24"));
        values.put("handshake-timeout", List.of("300ms"));
        values.put("breaker-failure-ratio", List.of("0.5"));
        values.put("breaker-min-handshakes", List.of("10"));
        values.put("breaker-window", List.of("30s"));
        values.put("breaker-open-time", List.of("1s"));
        values.put("breaker-probes", List.of("2"));
        values.put("breaker-probe-timeout", List.of("3s"));
        server = TetherServer.builder().config(ConfigBinder.bind(values)).start();
        assertThat(aliceGetsIn()).isTrue();

        // Twelve connections from other addresses that never start their TLS handshake.
        for (int i = 0; i < 12; i++) {
            final Socket s = new Socket();
            s.bind(new InetSocketAddress("127.0.0." + (10 + i), 0));
            s.connect(server.boundAddresses().get(0), 5_000);
            stalled.add(s);
        }
        TestServers.await("the breaker opened", () -> server.counters().total(Metric.BREAKER_OPENS) == 1);
        // It opens at its tenth handshake: alice's success and nine timeouts; the other three follow.
        TestServers.await("all twelve timed out", () -> server.counters().total(Metric.HANDSHAKE_TIMEOUTS) == 12);
        assertThatThrownBy(this::alice).isInstanceOf(IOException.class);
        assertThat(server.counters().total(Metric.REFUSED_BREAKER_OPEN)).isGreaterThanOrEqualTo(1);

        // They stop; after the open time alice's connections are the probes, and the breaker closes on them.
        for (Socket s : stalled) {
            s.close();
        }
        stalled.clear();
        TestServers.await("alice back in through the half-open breaker", this::aliceGetsIn, 15);
        TestServers.await("a second probe", this::aliceGetsIn, 15);
        for (int i = 0; i < 3; i++) {
            assertThat(aliceGetsIn()).as("closed again: connection %d", i).isTrue();
        }
        assertThat(server.counters().total(Metric.BREAKER_OPENS)).isEqualTo(1);
    }
}
