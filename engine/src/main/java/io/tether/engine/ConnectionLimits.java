package io.tether.engine;

/** The per-connection limits, from the config. */
record ConnectionLimits(int maxFrameSize, int highWatermark, int lowWatermark, long slowConsumerTimeoutMs,
                        long handshakeTimeoutMs) {
}
