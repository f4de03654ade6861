package io.tether.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.tether.engine.config.TetherConfig;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/** The jetcd client the etcd settings describe: endpoints, user and password, TLS and mutual TLS. */
final class EtcdClients {
    /**
     * gRPC's Netty transport logs through java.util.logging at INFO ("Epoll available during static init of
     * TcpMetrics") on every start: noise on a server's terminal. Only its warnings and errors pass. Held here because
     * java.util.logging keeps loggers only weakly.
     */
    private static final Logger GRPC = Logger.getLogger("io.grpc");

    static {
        GRPC.setLevel(Level.WARNING);
    }

    private EtcdClients() {
    }

    static Client build(TetherConfig config) {
        final ClientBuilder b = Client.builder().endpoints(config.etcdEndpoints().toArray(String[]::new))
            // jetcd's own retries would hold a read for minutes while etcd is down; the source retries instead.
            .retryMaxAttempts(2).retryDelay(100).retryMaxDelay(1000)
            .connectTimeout(config.etcdTimeout());
        if (!config.etcdUser().isEmpty()) {
            final String password;
            try {
                password = Files.readString(Path.of(config.etcdPasswordFile()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UncheckedIOException("etcd-password-file: cannot read " + config.etcdPasswordFile(), e);
            }
            b.user(ByteSequence.from(config.etcdUser(), StandardCharsets.UTF_8))
                .password(ByteSequence.from(password, StandardCharsets.UTF_8));
        }
        if (!config.etcdCa().isEmpty() || !config.etcdCert().isEmpty()) {
            try {
                b.sslContext(ssl -> {
                    if (!config.etcdCa().isEmpty()) {
                        ssl.trustManager(new File(config.etcdCa()));
                    }
                    if (!config.etcdCert().isEmpty()) {
                        ssl.keyManager(new File(config.etcdCert()), new File(config.etcdKey()));
                    }
                });
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalStateException("etcd TLS: " + e.getMessage(), e);
            }
        }
        return b.build();
    }
}
