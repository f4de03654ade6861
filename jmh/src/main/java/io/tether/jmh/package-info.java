/**
 * Benchmarks and the servers and clients they compare against (Netty, a plain NIO loop). Not shipped and not an
 * API.
 */
package io.tether.jmh;
