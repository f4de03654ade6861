package io.tether.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class CountersTest {

    @Test
    void shouldAddUpLatenciesRecordedBySeveralSetsAcrossReads() {
        final Counters counters = new Counters();
        final CounterSet a = counters.newSet("a");
        final CounterSet b = counters.newSet("b");
        for (int i = 1; i <= 100; i++) {
            a.record(Latency.LOOP_LAG, i * 1_000L);
        }
        b.record(Latency.LOOP_LAG, 5_000_000L);
        assertThat(counters.latency(Latency.LOOP_LAG).getTotalCount()).isEqualTo(101);
        b.record(Latency.LOOP_LAG, 7_000_000L);
        final Histogram h = counters.latency(Latency.LOOP_LAG);
        assertThat(h.getTotalCount()).as("cumulative across reads").isEqualTo(102);
        assertThat(h.getMaxValue()).isBetween(6_900_000L, 7_100_000L);
        assertThat(h.getValueAtPercentile(50)).isBetween(49_000L, 52_000L);
        assertThat(counters.latency(Latency.REQUEST).getTotalCount()).isZero();
    }

    @Test
    void shouldClampValuesOutsideTheRecordedRange() {
        final Counters counters = new Counters();
        final CounterSet a = counters.newSet("a");
        a.record(Latency.PING_ROUND_TRIP, -5);
        a.record(Latency.PING_ROUND_TRIP, Long.MAX_VALUE);
        final Histogram h = counters.latency(Latency.PING_ROUND_TRIP);
        assertThat(h.getTotalCount()).isEqualTo(2);
        assertThat(h.getMinValue()).isEqualTo(1);
        assertThat(h.getMaxValue()).isGreaterThanOrEqualTo(Latency.HIGHEST_NANOS);
    }

    @Test
    void shouldLoseNoRequestRecordedByManyThreadsAtOnce() throws InterruptedException {
        final Counters counters = new Counters();
        final CounterSet shared = counters.newSet("server");
        final int threads = 4;
        final int each = 50_000;
        final CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < each; i++) {
                    shared.record(Latency.REQUEST, 1_000 + i);
                }
                done.countDown();
            });
        }
        long seen = 0;
        while (!done.await(1, TimeUnit.MILLISECONDS)) {
            seen = counters.latency(Latency.REQUEST).getTotalCount(); // reads while writers run
        }
        assertThat(seen).isLessThanOrEqualTo((long) threads * each);
        assertThat(counters.latency(Latency.REQUEST).getTotalCount()).isEqualTo((long) threads * each);
    }

    @Test
    void shouldCountOpenConnectionsAsAGauge() {
        final Counters counters = new Counters();
        final CounterSet a = counters.newSet("a");
        a.add(Metric.CONNECTIONS_ACCEPTED, 5);
        a.add(Metric.CONNECTIONS_CLOSED, 2);
        final Gauge open = counters.gauges().stream().filter(g -> g.label().equals("connections-open")).findFirst()
            .orElseThrow();
        assertThat(open.value().getAsLong()).isEqualTo(3);
        assertThat(open.exportName()).isEqualTo("tether.server.active_connections");
    }
}
