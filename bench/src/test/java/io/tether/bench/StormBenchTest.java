package io.tether.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.ListenAddress;
import io.tether.engine.server.TetherServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A small reconnect storm in process: 500 sessions with pushes flowing reset their connections at once against an
 * accept rate of 200/s (burst 200), while a control group on a second listener keeps making requests. Every
 * session must come back resumed, admitted at the rate (not faster, and not much slower), no push lost.
 */
class StormBenchTest {
    private static final int SESSIONS = 500;
    private static final int RATE = 200;
    private static final int BURST = 200;

    @Test
    void shouldMeasureTheRatePastTheBurstAndCountAdmissionsPerSecond() {
        // 100 at once, then one every 10 ms (100/s) for 400 more
        final long[] times = new long[500];
        for (int i = 100; i < 500; i++) {
            times[i] = (i - 99) * 10_000_000L;
        }
        assertThat(StormBench.steadyRate(times, 100)).isCloseTo(100, org.assertj.core.data.Offset.offset(0.5));
        assertThat(StormBench.steadyRate(times, 0)).isGreaterThan(100); // from 10 %: part of the burst in it
        final List<long[]> samples = List.of(new long[] {100_000_000L, 100}, new long[] {900_000_000L, 180},
            new long[] {1_500_000_000L, 240}, new long[] {3_200_000_000L, 400});
        assertThat(StormBench.perSecond(samples)).containsExactly(180, 60, 0, 160);
        final List<long[]> every20ms = new java.util.ArrayList<>();
        for (long t = 20_000_000L; t <= 4_100_000_000L; t += 20_000_000L) {
            final long at = t;
            every20ms.add(new long[] {t, java.util.Arrays.stream(times).filter(x -> x <= at).count()});
        }
        assertThat(StormBench.steadyRate(every20ms, 500, 100)).isCloseTo(100, org.assertj.core.data.Offset.offset(2.0));
    }

    @Test
    void shouldBringEverySessionBackResumedAtTheAcceptRateWithNoPushLost() throws Exception {
        final TetherServer server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
            "listen", List.of("tcp://127.0.0.1:0", "tcp://127.0.0.1:0"), "io-threads", List.of("2"),
            "accept-rate", List.of(String.valueOf(RATE)), "accept-burst", List.of(String.valueOf(BURST)),
            // long enough that no queued connection is closed: this storm is about the rate
            "accept-queue-wait", List.of("10s")))).start();
        try (server) {
            final List<InetSocketAddress> bound = server.boundAddresses();
            final StormBench.Options o = new StormBench.Options(
                ListenAddress.parse("tcp://127.0.0.1:" + bound.get(0).getPort()),
                ListenAddress.parse("tcp://127.0.0.1:" + bound.get(1).getPort()),
                SESSIONS, 4, 200, 1000, Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofSeconds(1),
                RATE, BURST, Duration.ofSeconds(20));
            final List<String> progress = new CopyOnWriteArrayList<>();
            final StormBench.Result r = StormBench.run(o, server.counters()::total, progress::add);
            final String why = r.summary() + "\n" + String.join("\n", progress);
            System.out.println(why);

            assertThat(r.back()).as(why).isEqualTo(SESSIONS);
            assertThat(r.resumed()).as(why).isEqualTo(SESSIONS);
            assertThat(r.sessionsLost()).as(why).isZero();
            // The rate holds: the server admitted no faster than the bucket allows, and the clients kept it busy.
            assertThat(r.serverRate()).as(why).isBetween(RATE * 0.5, RATE * 1.2);
            assertThat(r.serverAccepted()).as(why).isGreaterThanOrEqualTo(SESSIONS);
            assertThat(r.allBackSeconds()).as(why)
                .isGreaterThanOrEqualTo(o.impliedSeconds() * 0.8)
                .isLessThanOrEqualTo(o.boundSeconds() + 2);
            assertThat(r.refusedAcceptRate()).as(why).isZero();
            assertThat(r.pushesSent()).as(why).isPositive();
            assertThat(r.pushesReceived()).as(why).isEqualTo(r.pushesSent());
            assertThat(r.pushesLost()).as(why).isZero();
            assertThat(r.duplicated()).as(why).isZero();
            assertThat(r.outOfOrder()).as(why).isZero();
            assertThat(r.pushesFailed()).as(why).isZero();
            assertThat(r.quiet().getTotalCount()).as(why).isPositive();
            assertThat(r.storm().getTotalCount()).as(why).isPositive();
            assertThat(r.controlFailed()).as(why).isZero();
        }
    }
}
