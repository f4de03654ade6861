package io.tether.engine.reactor;

/** The per-connection limits, from the config. */
public record ConnectionLimits(int maxFrameSize, int highWatermark, int lowWatermark, long slowConsumerTimeoutMs,
                        long handshakeTimeoutMs) {
}
