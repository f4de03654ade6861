package io.tether.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.engine.TestServers;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.server.TetherServer;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The load generator over real sockets against an in-process server: every mode completes with every payload
 * checked, and the open-loop pacer keeps to its schedule. Rates are checked for correctness (the schedule is
 * followed), with tolerances wide enough for a shared machine; speed is measured by scripts/bench-echo.
 */
class LoadGeneratorTest {
    private TetherServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private ListenAddress start(String scheme) {
        server = TetherServer.builder().config(TestServers.config("listen", scheme + "://127.0.0.1:0/tether")).start();
        return ListenAddress.parse(scheme + "://127.0.0.1:" + TestServers.address(server).getPort() + "/tether");
    }

    private static BenchOptions options(ListenAddress target, int sessions, int pipeline, long rate, int ioThreads,
                                        boolean reconnect) {
        return new BenchOptions(target, sessions, pipeline, 64, Duration.ofMillis(1500), Duration.ofMillis(300), rate,
            List.of(), "echo", ioThreads, null, reconnect);
    }

    @Test
    void openLoopSendsTheRequestedRateAndEveryAnswerChecks() throws Exception {
        final ListenAddress target = start("tcp");
        final List<String> lines = new CopyOnWriteArrayList<>();
        final BenchResult r = LoadGenerator.run(options(target, 20, 16, 2_000, 1, false), lines::add);

        assertAllAnsweredAndChecked(r, 20);
        assertKeptTheSchedule(r, 2_000);
        assertThat(lines).anyMatch(l -> l.contains("send lag p99"));
    }

    @Test
    void openLoopTimesEveryRequestFromItsIntendedAndFromItsActualSend() throws Exception {
        final ListenAddress target = start("tcp");
        final List<BenchInterval> intervals = new CopyOnWriteArrayList<>();
        final BenchResult r = LoadGenerator.run(options(target, 20, 16, 2_000, 1, false), line -> { },
            intervals::add);

        assertAllAnsweredAndChecked(r, 20);
        final Histogram intended = r.latencyMicros();
        final Histogram actual = r.actualLatencyMicros();
        assertThat(actual).isNotSameAs(intended);
        assertThat(actual.getTotalCount()).isEqualTo(r.responses());
        for (double p : new double[] {50, 90, 99, 99.9, 100}) {
            assertThat(actual.getValueAtPercentile(p)).as("p%s: a request left at or after its intended time", p)
                .isLessThanOrEqualTo(intended.getValueAtPercentile(p));
        }
        assertIntervalsAddUp(intervals, r, 20);
        assertThat(intervals).filteredOn(BenchInterval::measured)
            .allSatisfy(i -> assertThat(i.actualLatencyMicros()).isNotSameAs(i.latencyMicros()));
    }

    @Test
    void openLoopSplitsTheScheduleOverSeveralLoops() throws Exception {
        final ListenAddress target = start("ws");
        // 7 sessions over 3 loops: each loop paces only its own sessions, together they keep the total rate.
        final BenchResult r = LoadGenerator.run(options(target, 7, 1, 1_400, 3, false), line -> { });

        assertAllAnsweredAndChecked(r, 7);
        assertKeptTheSchedule(r, 1_400);
    }

    private static void assertAllAnsweredAndChecked(BenchResult r, int sessions) {
        assertThat(r.connectedSessions()).isEqualTo(sessions);
        assertThat(r.failedSessions()).isZero();
        assertThat(r.errors()).isZero();
        assertThat(r.mismatches()).isZero();
    }

    /** The schedule, not the server, decides what is sent: only a loop stalled past the end would send less. */
    private static void assertKeptTheSchedule(BenchResult r, long rate) {
        final double expected = rate * r.seconds();
        assertThat((double) r.sent()).isBetween(expected * 0.9, expected * 1.05);
        assertThat((double) r.responses()).isBetween(expected * 0.8, expected * 1.1);
        assertThat(r.sendLagMicros().getTotalCount()).isEqualTo(r.sent());
    }

    @Test
    void closedLoopKeepsItsPipelineAndSendsNothingPaced() throws Exception {
        final ListenAddress target = start("tcp");
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<BenchInterval> intervals = new CopyOnWriteArrayList<>();
        final BenchResult r = LoadGenerator.run(options(target, 4, 4, 0, 1, false), lines::add, intervals::add);

        assertAllAnsweredAndChecked(r, 4);
        assertThat(r.responses()).isPositive();
        assertThat(r.sent()).isZero();
        assertThat(lines).noneMatch(l -> l.contains("send lag"));
        assertThat(r.actualLatencyMicros()).as("sent when intended").isSameAs(r.latencyMicros());
        assertIntervalsAddUp(intervals, r, 4);
        assertThat(lines.stream().filter(l -> l.contains("resp/s")))
            .hasSameSizeAs(intervals.stream().filter(BenchInterval::measured).toList());
    }

    /**
     * The run comes in intervals, connecting, then warming up, then measured, each ending where the next begins;
     * the measured ones add up to the result and only they carry latencies.
     */
    private static void assertIntervalsAddUp(List<BenchInterval> intervals, BenchResult r, int sessions) {
        assertThat(intervals.get(0).phase()).isEqualTo(BenchInterval.Phase.CONNECTING);
        assertThat(intervals.stream().map(BenchInterval::phase).distinct())
            .containsExactly(BenchInterval.Phase.values());
        for (int i = 1; i < intervals.size(); i++) {
            assertThat(intervals.get(i).startNanos()).isEqualTo(intervals.get(i - 1).endNanos());
            assertThat(intervals.get(i).phase()).isGreaterThanOrEqualTo(intervals.get(i - 1).phase());
        }
        assertThat(intervals.stream().mapToLong(BenchInterval::connects).sum()).isEqualTo(sessions);
        assertThat(intervals.get(intervals.size() - 1).sessions()).isEqualTo(sessions);
        final List<BenchInterval> measured = intervals.stream().filter(BenchInterval::measured).toList();
        assertThat(measured).hasSize(2); // 1.5 s: a whole second and a half
        assertThat(measured.stream().mapToLong(i -> i.latencyMicros().getTotalCount()).sum())
            .isEqualTo(r.responses());
        assertThat(measured.stream().mapToLong(i -> i.actualLatencyMicros().getTotalCount()).sum())
            .isEqualTo(r.responses());
        assertThat(measured.stream().mapToLong(i -> i.sendLagMicros().getTotalCount()).sum()).isEqualTo(r.sent());
        assertThat(measured.stream().mapToDouble(BenchInterval::seconds).sum()).isCloseTo(r.seconds(),
            org.assertj.core.data.Offset.offset(1e-6));
        assertThat(intervals).filteredOn(i -> !i.measured()).allSatisfy(i -> assertThat(i.latencyMicros()).isNull());
    }

    @Test
    void reconnectCountsHandshakes() throws Exception {
        final ListenAddress target = start("ws");
        final BenchResult r = LoadGenerator.run(options(target, 2, 16, 0, 1, true), line -> { });

        assertThat(r.connectedSessions()).isEqualTo(2);
        assertThat(r.failedSessions()).isZero();
        assertThat(r.responses()).isPositive();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void reconnectCountsTlsHandshakesWhetherItForgetsSessionsOrResumesThem(boolean tlsResume, @TempDir Path certs)
        throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("bench"), Duration.ofDays(1));
        server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
            "listen", List.of("tls://127.0.0.1:0"),
            "tls-cert", List.of(certs.resolve("server.pem").toString()),
            "tls-key", List.of(certs.resolve("server.key").toString()),
            "tls-ca", List.of(certs.resolve("ca.pem").toString()),
            "tls-resumption", List.of(tlsResume ? "on" : "off")))).start();
        final ListenAddress target = ListenAddress.parse("tls://127.0.0.1:" + TestServers.address(server).getPort());
        final TlsClientSettings tls = TlsClientSettings.mutual(certs.resolve("bench.pem"), certs.resolve("bench.key"),
            certs.resolve("ca.pem"));

        final BenchResult r = LoadGenerator.run(new BenchOptions(target, 2, 16, 64, Duration.ofMillis(1500),
            Duration.ofMillis(300), 0, List.of(), "echo", 1, tls, true, tlsResume), line -> { });

        assertThat(r.connectedSessions()).isEqualTo(2);
        assertThat(r.failedSessions()).isZero();
        assertThat(r.errors()).isZero();
        assertThat(r.responses()).isPositive();
    }

    @Test
    void openLoopAndReconnectAreRefusedTogether() {
        final ListenAddress target = ListenAddress.parse("tcp://127.0.0.1:1");
        assertThatThrownBy(() -> options(target, 1, 1, 100, 1, true))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--reconnect");
    }
}
