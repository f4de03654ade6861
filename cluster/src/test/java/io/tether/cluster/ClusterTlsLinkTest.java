package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Push;
import io.tether.engine.client.TetherClient;
import io.tether.engine.server.PushResult;
import io.tether.engine.server.TetherServer;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Links over mutual TLS: nodes with the cluster's certificates link; a peer without one is refused. */
class ClusterTlsLinkTest {
    @TempDir
    Path certs;
    @TempDir
    Path strangers;

    @Test
    void shouldForwardPushesOverMutualTlsLinksAndRefuseAPeerWithoutTheClustersCertificate() throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("someone"), Duration.ofDays(1));
        CertificateIssuer.writeCertificateSet(strangers, List.of(), List.of("mallory"), Duration.ofDays(1));
        final String[] tls = {"cluster-listen", "tls://127.0.0.1:0", "tls-cert", certs.resolve("server.pem").toString(),
            "tls-key", certs.resolve("server.key").toString(), "tls-ca", certs.resolve("ca.pem").toString()};
        try (EtcdProcess etcd = EtcdProcess.start(); ClusterNodes nodes = new ClusterNodes(etcd.endpoint(), "tls")) {
            final TetherServer a = nodes.start("a", tls);
            final TetherServer b = nodes.start("b", tls);
            final CompletableFuture<String> got = new CompletableFuture<>();
            try (TetherClient onB = TetherClient.builder().clientId("x")
                .onPush((Push p) -> got.complete(p.getPayload().toStringUtf8())).connect(ClusterNodes.url(b))) {
                assertThat(a.push(onB.sessionId(), "t", ByteString.copyFromUtf8("over tls")))
                    .isEqualTo(PushResult.DELIVERED);
                assertThat(got.get(5, TimeUnit.SECONDS)).isEqualTo("over tls");
            }
            final String link = ((TetherCluster) b.cluster()).status().lines()
                .filter(l -> l.trim().startsWith("node") && l.endsWith("this node")).findFirst().orElseThrow().replaceAll(".*link (\\S+).*", "$1");
            assertThat(link).startsWith("tls://");
            // A client with a certificate of another CA cannot open a link to b.
            final TlsClientSettings mallory = TlsClientSettings.mutual(strangers.resolve("mallory.pem"),
                strangers.resolve("mallory.key"), certs.resolve("ca.pem"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> TetherClient.builder().clientId("m")
                .tls(mallory).reconnect(false).timeout(Duration.ofSeconds(3)).connect(link))
                .isInstanceOf(IOException.class);
        }
    }
}
