/**
 * Internal: the transports (raw TCP, WebSocket, TLS under either) and the frame writers between the reactor and
 * the protocol. Public only for tether's own modules; not a supported API, and it may change in any release.
 */
package io.tether.engine.transport;
