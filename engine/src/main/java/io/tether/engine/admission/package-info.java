/**
 * Internal: the building blocks of admission control (token buckets, the per-address table, flapping windows, the
 * handshake breaker, the settings they take). The server runs them; they are set through
 * {@link io.tether.engine.config.TetherConfig}. Public only for tether's own modules; not a supported API, and it
 * may change in any release.
 */
package io.tether.engine.admission;
