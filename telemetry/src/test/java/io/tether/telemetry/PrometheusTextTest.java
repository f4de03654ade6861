package io.tether.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void shouldWriteCountersByInstrumentWithTheirAttributeGaugesAndCumulativeHistograms() {
        final Counters counters = new Counters();
        final CounterSet a = counters.newSet("a");
        a.add(Metric.FRAMES_IN, 7);
        a.add(Metric.FRAMES_OUT, 5);
        a.add(Metric.BYTES_IN, 1000);
        a.add(Metric.HEARTBEAT_TIMEOUTS, 2);
        a.record(Latency.REQUEST, 2_000_000); // 2 ms
        a.record(Latency.REQUEST, 20_000_000); // 20 ms
        a.record(Latency.REQUEST, 3_000_000_000L); // 3 s
        final String text = PrometheusText.write(counters);
        assertThat(text)
            .contains("# TYPE tether_io_frames_total counter\n")
            .contains("tether_io_frames_total{network_io_direction=\"receive\"} 7\n")
            .contains("tether_io_frames_total{network_io_direction=\"transmit\"} 5\n")
            .contains("tether_io_bytes_total{network_io_direction=\"receive\"} 1000\n")
            .contains("tether_server_connection_failures_total{error_type=\"heartbeat_timeout\"} 2\n")
            .contains("# TYPE tether_server_active_connections gauge\n")
            .contains("# TYPE rpc_server_call_duration_seconds histogram\n")
            .contains("rpc_server_call_duration_seconds_bucket{rpc_system=\"tether\",le=\"0.005\"} 1\n")
            .contains("rpc_server_call_duration_seconds_bucket{rpc_system=\"tether\",le=\"0.025\"} 2\n")
            .contains("rpc_server_call_duration_seconds_bucket{rpc_system=\"tether\",le=\"2.5\"} 2\n")
            .contains("rpc_server_call_duration_seconds_bucket{rpc_system=\"tether\",le=\"5.0\"} 3\n")
            .contains("rpc_server_call_duration_seconds_bucket{rpc_system=\"tether\",le=\"+Inf\"} 3\n")
            .contains("rpc_server_call_duration_seconds_count{rpc_system=\"tether\"} 3\n")
            .contains("tether_event_loop_delay_seconds_count 0\n");
        assertThat(text.lines().filter(l -> l.startsWith("# TYPE tether_io_frames_total")).count()).isEqualTo(1);
        final double sum = Double.parseDouble(text.lines()
            .filter(l -> l.startsWith("rpc_server_call_duration_seconds_sum")).findFirst().orElseThrow()
            .split(" ")[1]);
        assertThat(sum).isBetween(3.0 * 0.99, 3.03 * 1.01);
    }
}
