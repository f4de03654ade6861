package io.tether.bench.report;

import static io.tether.bench.report.ReportPages.assertSelfContained;
import static io.tether.bench.report.ReportPages.parse;
import static io.tether.bench.report.ReportPages.polylines;
import static io.tether.bench.report.ReportPages.series;
import static io.tether.bench.report.ReportPages.svg;
import static io.tether.bench.report.ReportPages.texts;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The scale run's page from synthetic phases, node figures, samples and histograms: well-formed XML, nothing
 * fetched, every plot drawn (node 0's gap while it drains a break in its line), the phases as bands, both tables,
 * the result; and latency.hlog reads back with HdrHistogram's reader, a histogram for each timed phase.
 */
class ScaleReportTest {
    private static final List<String> PLOTS = List.of(ScaleReport.SESSIONS, ScaleReport.SESSIONS_PER_NODE,
        ScaleReport.CPU, ScaleReport.RSS, ScaleReport.PUSH_LATENCY, ScaleReport.REQUEST_LATENCY);

    @TempDir
    Path dir;

    @Test
    void shouldWriteAPageWithEveryPlotAndTheTablesAndALogOfEachTimedPhase() throws Exception {
        final ScaleReport report = new ScaleReport(new ScaleReport.Parameters(3, 300, 300, 5, 1, 200, 3),
            Instant.parse("2026-12-04T10:00:00Z"), "tether 0.1.0");
        final Histogram push = latencies(900, 20_000);
        final Histogram requests = latencies(600, 400);
        final Histogram storm = latencies(900, 50_000);
        report.phase(new ScaleReport.Phase("ramp-up", 4, 7, 900, "900 sessions in 3.0 s = 300 connects/s, 0 failed"));
        report.phase(new ScaleReport.Phase("idle hold", 8, 13, 900, "lowest live sessions 900 of 900, dropped 0"));
        report.phase(new ScaleReport.Phase("pushes", 15, 17, 900, "1 rounds x 900 <sessions> & more",
            ScaleReport.Timed.PUSHES, push));
        report.phase(new ScaleReport.Phase("requests", 17, 20, 900, "200/s for 3 s: 600 answered, 0 failed",
            ScaleReport.Timed.REQUESTS, requests));
        report.phase(new ScaleReport.Phase("reconnect storm", 20, 26, 900, "node 0 drained"));
        report.phase(new ScaleReport.Phase("push after the storm", 30, 31, 900, "a round",
            ScaleReport.Timed.PUSHES, storm));
        report.phase(new ScaleReport.Phase(ScaleReport.RAMP_DOWN, 31, 32, 0, "900 sessions closed in 0.4 s"));
        for (String when : List.of("after ramp-up", "after the storm")) {
            for (int n = 0; n < 3; n++) {
                report.nodes(new ScaleReport.NodeFigures(when, n, 300, 60L << 20, false, 40L << 20, 200L << 20,
                    150L << 20, 1.5, 10));
            }
        }
        report.result(true, "result: every session held, every push delivered once and in order");

        final Document page = parse(report.write(dir, samples()));

        assertSelfContained(page);
        for (String id : PLOTS) {
            assertThat(polylines(page, id)).as("%s has a line", id).isPositive();
        }
        assertThat(series(page, ScaleReport.SESSIONS_PER_NODE)).containsExactly("node 0", "node 1", "node 2");
        assertThat(polylines(page, ScaleReport.SESSIONS_PER_NODE)).as("node 0's line breaks where it was down")
            .isEqualTo(4);
        assertThat(series(page, ScaleReport.PUSH_LATENCY)).containsExactly("pushes", "push after the storm");
        assertThat(series(page, ScaleReport.REQUEST_LATENCY)).containsExactly("requests");
        assertThat(bands(page, ScaleReport.SESSIONS)).isEqualTo(7);
        assertThat(texts(svg(page, ScaleReport.SESSIONS))).contains("idle hold");
        final NodeList rows = page.getElementById("phase-table").getElementsByTagName("tr");
        assertThat(rows.getLength()).isEqualTo(8);
        assertThat(rows.item(1).getTextContent()).as("ramp-up timed nothing").endsWith("0 failed–––––");
        assertThat(rows.item(3).getTextContent()).as("pushes timed 900").contains("more900");
        assertThat(text(page, "phase-table")).contains("1 rounds x 900 <sessions> & more")
            .contains("push after the storm");
        final String nodes = text(page, "node-table");
        assertThat(nodes).contains("after ramp-up").contains("after the storm").contains("69,905 B")
            .contains("174,763 B").contains("15%");
        assertThat(text(page, "result")).isEqualTo("result: every session held, every push delivered once and in "
            + "order");
        assertThat(page.getElementById("result").getAttribute("class")).isEqualTo("result");
        assertThat(text(page, "parameters")).contains("sessions per node300");
        assertThat(text(page, "machine")).contains("tether 0.1.0");

        final Map<String, Histogram> log = readLog(dir.resolve(ScaleReport.LOG));
        assertThat(log).containsOnlyKeys("pushes", "requests", "push-after-the-storm");
        assertThat(log.get("pushes")).isEqualTo(push);
        assertThat(log.get("requests")).isEqualTo(requests);
        assertThat(log.get("push-after-the-storm")).isEqualTo(storm);
    }

    @Test
    void shouldWriteAPageOfARunThatFailedBeforeItTimedAnything() throws Exception {
        final ScaleReport report = new ScaleReport(new ScaleReport.Parameters(3, 300, 300, 5, 1, 200, 3),
            Instant.now(), "tether 0.1.0");
        report.phase(new ScaleReport.Phase("ramp-up", 4, 7, 850, "900 sessions in 3.0 s, 50 failed"));
        report.result(false, "FAILED: java.lang.IllegalStateException: node 1 did not start");

        final Document page = parse(report.write(dir, List.of()));

        assertSelfContained(page);
        assertThat(page.getElementById("result").getAttribute("class")).isEqualTo("result bad");
        assertThat(texts(svg(page, ScaleReport.PUSH_LATENCY))).contains("nothing was timed");
        assertThat(polylines(page, ScaleReport.SESSIONS)).isZero();
        assertThat(text(page, "summary")).contains("850");
        assertThat(readLog(dir.resolve(ScaleReport.LOG))).isEmpty();
    }

    private static Histogram latencies(int count, long median) {
        final Random random = new Random(count + median);
        final Histogram h = new Histogram(3);
        for (int i = 0; i < count; i++) {
            h.recordValue((long) (median * Math.exp(random.nextGaussian() * 0.8)));
        }
        return h;
    }

    /** 33 s at one a second; node 0 down from 21 to 28 s (draining and restarting), on 300 sessions otherwise. */
    private static List<ScaleReport.Sample> samples() {
        final List<ScaleReport.Sample> samples = new ArrayList<>();
        for (int t = 0; t <= 33; t++) {
            final double up = t < 4 ? 0 : Math.min(300, (t - 4) * 100);
            final boolean down = t >= 21 && t <= 28;
            final double[] sessions = {down ? Double.NaN : up, down ? up * 1.5 : up, down ? up * 1.5 : up};
            final double[] cpu = {down ? Double.NaN : 10 + t, 12 + t, t == 0 ? Double.NaN : 8 + t};
            final double[] rss = {down ? Double.NaN : 150e6 + t * 1e6, 160e6, 170e6};
            samples.add(new ScaleReport.Sample(t, sessions, cpu, rss));
        }
        return samples;
    }

    private static int bands(Document page, String id) {
        final NodeList rects = svg(page, id).getElementsByTagName("rect");
        int bands = 0;
        for (int i = 0; i < rects.getLength(); i++) {
            bands += ((Element) rects.item(i)).getAttribute("class").equals("band") ? 1 : 0;
        }
        return bands;
    }

    private static String text(Document page, String id) {
        return page.getElementById(id).getTextContent();
    }

    private static Map<String, Histogram> readLog(Path file) throws Exception {
        final Map<String, Histogram> byTag = new HashMap<>();
        try (HistogramLogReader reader = new HistogramLogReader(file.toFile())) {
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                byTag.put(h.getTag(), (Histogram) h);
            }
        }
        return byTag;
    }
}
