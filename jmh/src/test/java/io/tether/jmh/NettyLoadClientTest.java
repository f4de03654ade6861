package io.tether.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.TestServers;
import io.tether.engine.server.TetherServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Netty load client against a real in-process tether server, over TCP and WebSocket: it speaks the contract
 * (Hello first, the tether.v1 subprotocol, method echo), every answer checks, and its JSON line carries
 * {@code tether bench}'s field names. Runs are about a second; speed is measured by scripts/bench-echo.
 */
class NettyLoadClientTest {
    private TetherServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private String start(String scheme) {
        server = TetherServer.builder().config(TestServers.config("listen", scheme + "://127.0.0.1:0/tether")).start();
        final int port = TestServers.address(server).getPort();
        return scheme.equals("ws") ? "ws://127.0.0.1:" + port + "/tether" : "tcp://127.0.0.1:" + port;
    }

    private static NettyLoadClient.Result run(String... args) throws Exception {
        return NettyLoadClient.run(NettyLoadOptions.parse(args));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws"})
    void closedLoopKeepsThePipelineFullAndEveryEchoChecks(String scheme) throws Exception {
        final String target = start(scheme);
        final NettyLoadClient.Result r = run("--sessions", "8", "--pipeline", "4", "--payload", "100",
            "--warmup", "200ms", "--duration", "1s", target);

        assertAllConnectedAndEveryAnswerChecks(r, 8);
        assertThat(r.latency().getTotalCount()).isEqualTo(r.responses());
        // One request written per response: what was sent in the window is what was answered, give or take the
        // requests in flight at either edge.
        assertThat(Math.abs(r.sent() - r.responses())).isLessThanOrEqualTo(8 * 4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws"})
    void openLoopSendsOnScheduleAndEveryEchoChecks(String scheme) throws Exception {
        final String target = start(scheme);
        // 5 sessions over 2 loops: each loop paces its own sessions; together they keep the total rate.
        final NettyLoadClient.Result r = run("--sessions", "5", "--rate", "400", "--threads", "2",
            "--warmup", "200ms", "--duration", "1s", target);

        assertAllConnectedAndEveryAnswerChecks(r, 5);
        final double expected = 400 * r.seconds();
        assertThat((double) r.sent()).isBetween(expected * 0.85, expected * 1.1);
        assertThat(r.sendLag().getTotalCount()).isEqualTo(r.sent());
    }

    private static void assertAllConnectedAndEveryAnswerChecks(NettyLoadClient.Result r, int sessions) {
        assertThat(r.connected()).isEqualTo(sessions);
        assertThat(r.failed()).isZero();
        assertThat(r.responses()).isPositive();
        assertThat(r.errors()).isZero();
        assertThat(r.mismatches()).isZero();
    }

    @Test
    void printsOneJsonLineWithTetherBenchsFieldNames() throws Exception {
        final String target = start("tcp");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = NettyLoadClient.run(new String[] {"--sessions", "4", "--pipeline", "2", "--warmup", "0s",
            "--duration", "500ms", target}, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        final String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines()).hasSize(1);
        final String line = printed.strip();
        assertThat(line).startsWith("{\"target\":\"" + target + "\"").endsWith("}");
        for (String field : new String[] {"sessions", "connected", "failed", "pipeline", "payload", "rate",
            "seconds", "responses", "responses_per_sec", "p50_us", "p99_us", "p999_us", "max_us", "errors",
            "mismatches", "sent", "send_lag_p50_us", "send_lag_p99_us"}) {
            assertThat(line).containsPattern("\"" + field + "\":[0-9.]+[,}]");
        }
        assertThat(line).contains("\"sessions\":4,\"connected\":4,\"failed\":0,\"pipeline\":2,\"payload\":64,"
            + "\"rate\":0,").contains("\"errors\":0,\"mismatches\":0,").doesNotContain("\"responses\":0,");
    }

    @Test
    void anUnknownMethodIsCountedAsErrorsAndExitsThree() throws Exception {
        final String target = start("tcp");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int code = NettyLoadClient.run(new String[] {"--sessions", "2", "--pipeline", "1", "--method", "nope",
            "--warmup", "0s", "--duration", "300ms", target}, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("\"errors\":0,");
    }

    @Test
    void aRefusedConnectionExitsOneAndSaysWhy() throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = NettyLoadClient.run(new String[] {"--sessions", "3", "--duration", "1s",
            "tcp://127.0.0.1:" + port}, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(1);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
            .startsWith("netty-load: no session could connect to tcp://127.0.0.1:" + port + ": ")
            .containsIgnoringCase("refused");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--sessions 0|--sessions", "--pipeline 0|--pipeline", "--payload 4|--payload",
        "--rate -5|--rate", "--duration 0s|--duration", "--duration soon|--duration", "--threads x|--threads",
        "--bogus 1|unknown option --bogus", "tcp://127.0.0.1:1 --sessions|--sessions needs a value", "|no target",
        "http://127.0.0.1:1|only tcp://", "tcp://127.0.0.1|no port"})
    void badArgumentsExitTwoNamingTheProblem(String spec) {
        final String[] parts = spec.split("\\|");
        final String[] args = parts[0].isEmpty() ? new String[0] : parts[0].split(" ");
        final boolean hasTarget = parts[0].contains("://");
        final String[] full = hasTarget || parts[0].isEmpty() ? args : append(args, "tcp://127.0.0.1:1");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code = NettyLoadClient.run(full, new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("netty-load: ").contains(parts[1])
            .contains("usage:");
    }

    private static String[] append(String[] args, String last) {
        final String[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }

    @Test
    void inFlightFindsIdsAnsweredOutOfOrderAndGrowsPastItsWidth() {
        final NettyLoadSession.InFlight f = new NettyLoadSession.InFlight(4);
        final int width = f.capacity();
        for (long id = 1; id <= 3L * width; id++) {
            assertThat(f.put(id, id * 10)).isFalse();
        }
        assertThat(f.capacity()).isGreaterThanOrEqualTo(3 * width);
        assertThat(f.remove(7)).isEqualTo(70);
        assertThat(f.remove(7)).as("answered twice").isEqualTo(NettyLoadSession.InFlight.NONE);
        assertThat(f.remove(3L * width + 1)).as("never sent").isEqualTo(NettyLoadSession.InFlight.NONE);
        assertThat(f.remove(0)).isEqualTo(NettyLoadSession.InFlight.NONE);
        for (long id = 3L * width; id >= 1; id--) {
            if (id != 7) {
                assertThat(f.remove(id)).isEqualTo(id * 10);
            }
        }
    }
}
