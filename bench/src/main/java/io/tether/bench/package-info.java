/**
 * Internal: the load generator, the chaos bench and the reconnect storm behind {@code tether bench}. Not a
 * supported API; may change in any release.
 */
package io.tether.bench;
