/**
 * Internal: the event loops, connections, the outbound ring and backpressure under tether's server and client.
 * Public only so that the layers above (and tether's benchmarks) can use it; not a supported API, and it may change
 * in any release. Embedders use {@link io.tether.engine.server} and {@link io.tether.engine.client}.
 */
package io.tether.engine.reactor;
