/**
 * Internal: counters in a memory-mapped stat file, per-loop latency histograms, Prometheus text and OTLP export.
 * Not a supported API; may change in any release. What a server counts is read through its admin endpoint,
 * {@code tether stat} or OTLP, whose names are documented in the README.
 */
package io.tether.telemetry;
