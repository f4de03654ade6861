package io.tether.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Exports {@link Counters} over OTLP with the OpenTelemetry SDK, which reads them only at collection time, on its
 * own reader thread: counters and gauges through asynchronous instruments (callbacks), the latency histograms
 * through a {@link MetricProducer} that turns each cumulative HdrHistogram into explicit-bucket points. Nothing on
 * an event loop calls OpenTelemetry.
 */
public final class OtelExport implements AutoCloseable {
    /** The OTLP protocols, as OTEL_EXPORTER_OTLP_PROTOCOL names them. */
    public static final List<String> PROTOCOLS = List.of("http/protobuf", "grpc");

    private final SdkMeterProvider meters;

    private OtelExport(SdkMeterProvider meters) {
        this.meters = meters;
    }

    /**
     * Starts exporting every {@code interval} to {@code endpoint}: for http/protobuf the base URL, to which
     * {@code /v1/metrics} is added (as OTEL_EXPORTER_OTLP_ENDPOINT is read), for grpc the collector's URL.
     */
    public static OtelExport start(Counters counters, String endpoint, String protocol, Duration interval,
                                   String serviceName) {
        final MetricExporter exporter = switch (protocol) {
            case "http/protobuf" -> OtlpHttpMetricExporter.builder()
                .setEndpoint(endpoint.replaceAll("/+$", "") + "/v1/metrics").build();
            case "grpc" -> OtlpGrpcMetricExporter.builder().setEndpoint(endpoint).build();
            default -> throw new IllegalArgumentException("otlp-protocol must be one of " + PROTOCOLS);
        };
        final long startNanos = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        final SdkMeterProvider meters = SdkMeterProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
            .registerMetricReader(PeriodicMetricReader.builder(exporter).setInterval(interval).build())
            .registerMetricProducer(new Histograms(counters, startNanos))
            .build();
        final Meter meter = meters.get("io.tether");
        final Map<String, List<Metric>> families = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            families.computeIfAbsent(m.exportName(), k -> new ArrayList<>()).add(m);
        }
        for (List<Metric> family : families.values()) {
            final Metric first = family.get(0);
            final Attributes[] attributes = new Attributes[family.size()];
            for (int i = 0; i < family.size(); i++) {
                final Metric m = family.get(i);
                attributes[i] = m.attributeKey() == null ? Attributes.empty()
                    : Attributes.of(AttributeKey.stringKey(m.attributeKey()), m.attributeValue());
            }
            meter.counterBuilder(first.exportName()).setUnit(first.unit())
                .setDescription(PrometheusText.familyDescription(family))
                .buildWithCallback(out -> {
                    for (int i = 0; i < family.size(); i++) {
                        out.record(counters.total(family.get(i)), attributes[i]);
                    }
                });
        }
        for (Gauge g : counters.gauges()) {
            meter.gaugeBuilder(g.exportName()).ofLongs().setUnit(g.unit()).setDescription(g.description())
                .buildWithCallback(out -> out.record(g.value().getAsLong()));
        }
        return new OtelExport(meters);
    }

    /** Exports what there is now and waits for it (at most 10 s). */
    public void flush() {
        meters.forceFlush().join(10, TimeUnit.SECONDS);
    }

    /** Exports a last time and stops. */
    @Override
    public void close() {
        meters.shutdown().join(10, TimeUnit.SECONDS);
    }

    /** The latency histograms, read at collection time: cumulative since the start, in seconds. */
    private static final class Histograms implements MetricProducer {
        private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("io.tether");
        private final Counters counters;
        private final long startEpochNanos;

        Histograms(Counters counters, long startEpochNanos) {
            this.counters = counters;
            this.startEpochNanos = startEpochNanos;
        }

        @Override
        public java.util.Collection<MetricData> produce(Resource resource) {
            final long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
            final List<MetricData> out = new ArrayList<>();
            for (Latency l : Latency.values()) {
                final Histogram h = counters.latency(l);
                final List<Double> bounds = l.buckets();
                final List<Long> counts = new ArrayList<>(bounds.size() + 1);
                long below = 0;
                for (double bound : bounds) {
                    final long atMost = PrometheusText.countAtMost(h, bound);
                    counts.add(atMost - below);
                    below = atMost;
                }
                counts.add(h.getTotalCount() - below);
                final boolean any = h.getTotalCount() > 0;
                final Attributes attributes = l.attributeKey() == null ? Attributes.empty()
                    : Attributes.of(AttributeKey.stringKey(l.attributeKey()), l.attributeValue());
                final HistogramPointData point = HistogramPointData.create(startEpochNanos, now, attributes,
                    PrometheusText.sumSeconds(h), any, any ? h.getMinValue() / 1e9 : 0, any,
                    any ? h.getMaxValue() / 1e9 : 0, bounds, counts);
                out.add(new HistogramMetric(resource, l.exportName(), l.description(),
                    HistogramData.create(AggregationTemporality.CUMULATIVE, List.of(point))));
            }
            return out;
        }
    }

    private record HistogramMetric(Resource resource, String name, String description, HistogramData data)
        implements MetricData {
        @Override
        public Resource getResource() {
            return resource;
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return Histograms.SCOPE;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getDescription() {
            return description;
        }

        @Override
        public String getUnit() {
            return "s";
        }

        @Override
        public MetricDataType getType() {
            return MetricDataType.HISTOGRAM;
        }

        @Override
        public Data<?> getData() {
            return data;
        }
    }
}
