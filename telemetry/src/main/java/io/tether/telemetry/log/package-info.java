/**
 * Internal: tether's structured log events, their sampling and the bounded writer behind them. Not a supported
 * API; may change in any release. An embedder sees the events through SLF4J.
 */
package io.tether.telemetry.log;
