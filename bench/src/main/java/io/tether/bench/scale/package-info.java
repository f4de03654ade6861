/**
 * Internal: the many-sessions run behind {@code scripts/bench-100k} (a cluster of {@code tether serve} nodes and
 * session-holding processes, in phases). Not a supported API; may change in any release.
 */
package io.tether.bench.scale;
