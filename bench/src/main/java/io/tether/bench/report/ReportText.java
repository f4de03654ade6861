package io.tether.bench.report;

import io.tether.bench.BenchOptions;
import io.tether.bench.BenchResult;
import java.util.Locale;

/** The report's sentences that depend on how the run was made: closed or open loop, requests or handshakes. */
final class ReportText {
    private ReportText() {
    }

    /** One line under the page's title: what ran, how long. */
    static String run(BenchOptions o, BenchResult r) {
        final String load;
        if (o.reconnect()) {
            load = String.format(Locale.ROOT, "handshakes: %d sessions reconnecting as soon as welcomed", o.sessions());
        } else if (o.idle()) {
            load = String.format(Locale.ROOT, "%,d idle sessions", o.sessions());
        } else if (o.rate() > 0) {
            load = String.format(Locale.ROOT, "open loop at %,d requests/s over %,d sessions, %d B %s", o.rate(),
                o.sessions(), o.payloadBytes(), o.method());
        } else {
            load = String.format(Locale.ROOT, "closed loop, %,d sessions × %d in flight, %d B %s", o.sessions(),
                o.pipeline(), o.payloadBytes(), o.method());
        }
        return load + ", " + Numbers.trim(r.seconds(), 1) + " s measured after "
            + Numbers.trim(o.warmup().toMillis() / 1e3, 3) + " s warm-up";
    }

    /** What the latency is the time of. */
    static String latencyName(BenchOptions o) {
        return o.reconnect() ? "connect to Welcome" : "round trip";
    }

    /** Why there are two latencies, and what they mean for this run. */
    static String coordinatedOmission(BenchOptions o) {
        if (o.rate() > 0) {
            return "Open loop: requests follow a schedule, whatever the server does, and the latency is timed from "
                + "each request's intended send time, so time spent waiting behind a late send is counted. The "
                + "latency from the actual send leaves that wait out: it is what a generator that waits for its "
                + "own late sends would report (coordinated omission). Where the two part, requests left late.";
        }
        return "Closed loop: every session sends its next request when an answer arrives, so each request leaves "
            + "when it is meant to and the intended and the actual send time coincide: both rows and both series "
            + "are the same. A closed loop slows down with the server and so hides stalls (coordinated omission); "
            + "--rate runs an open loop that does not.";
    }

    /** The caption of the percentile plot. */
    static String spectrum(BenchOptions o) {
        return "The whole measured run's latency at each percentile, HdrHistogram style: the percentile axis spreads "
            + "the tail (90 %, 99 %, 99.9 % ... equally far apart), the latency axis is logarithmic. "
            + (o.rate() > 0 ? "The solid line is timed from the intended send time, the dashed one from the actual "
                + "send; the gap between them is the wait a closed-loop measurement would omit."
                : "Closed loop: the two lines coincide.");
    }
}
