/**
 * Internal: PEM loading, SSL contexts and their hot reload, the non-blocking SSLEngine pump, certificate
 * generation. Not a supported API and may change in any release, except the types the engine's API passes:
 * {@link io.tether.tls.PeerIdentity} (a peer's certificate identity) and {@link io.tether.tls.TlsClientSettings}
 * (a client's certificate and trusted CAs).
 */
package io.tether.tls;
