package io.tether.telemetry.log;

import io.tether.telemetry.Metric;

/** Why a log record was not written, each counted as its own {@link Metric}. */
public enum DropReason {
    SAMPLED(Metric.LOG_DROPPED_SAMPLED),
    QUEUE_FULL(Metric.LOG_DROPPED_QUEUE_FULL),
    DISK_HIGH_WATER(Metric.LOG_DROPPED_DISK_HIGH_WATER),
    DISK_LOW_WATER(Metric.LOG_DROPPED_DISK_LOW_WATER),
    WRITE_ERROR(Metric.LOG_DROPPED_WRITE_ERROR),
    OTLP_QUEUE_FULL(Metric.LOG_DROPPED_OTLP_QUEUE_FULL),
    OTLP_EXPORT_FAILED(Metric.LOG_DROPPED_OTLP_EXPORT_FAILED);

    private final Metric metric;

    DropReason(Metric metric) {
        this.metric = metric;
    }

    public Metric metric() {
        return metric;
    }
}
