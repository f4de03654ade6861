/**
 * RFC 6455 for tether: the opening handshake and the frame codec. Pure: bytes in, events and bytes
 * out; no sockets, no threads. Everything for one connection is used from the loop that owns it.
 *
 * <h2>How an event loop drives it</h2>
 * <ol>
 *   <li><b>Handshake.</b> A server connection starts with a {@link io.tether.codec.ws.ServerHandshake}.
 *       Each read goes to {@code decode(scratch)} until it returns true; then
 *       {@code result().response()} is written. An {@link io.tether.codec.ws.UpgradeRejected} is
 *       followed by a close; an {@link io.tether.codec.ws.UpgradeAccepted} carries the path, the
 *       selected subprotocol and the headers (Origin, X-Forwarded-For). Bytes after the request head
 *       stay in the buffer and belong to the frame decoder. A client does the same with
 *       {@link io.tether.codec.ws.ClientHandshake}: send {@code request()}, feed the response.</li>
 *   <li><b>Frames in.</b> A {@link io.tether.codec.ws.WebSocketFrameDecoder} per connection, its
 *       listener bound to the connection. Each read: {@code decode(scratch)}; whatever stays between
 *       position and limit is an incomplete frame, which the connection copies into its tail buffer
 *       (sized from {@code pendingFrameLength()}, at most the message limit plus 14) and puts in
 *       front of the next read. When nothing is left the tail buffer is dropped, so an idle
 *       connection holds none. After {@code onError(code, reason)}, send a close frame with that
 *       code and close; after {@code onClose}, answer with a close frame and close.</li>
 *   <li><b>Frames out.</b> {@link io.tether.codec.ws.WebSocketFrameEncoder#forServer()} is stateless
 *       and can be shared by every loop. To encode straight into an outbound chunk or ring: claim
 *       {@code frameLength(n)} bytes, {@code putHeader} at the claim's index, encode the payload after
 *       it, {@code maskPayload} (a no-op on the server side), commit. Answer a ping with a pong carrying
 *       the same payload, copied during {@code onPing}.</li>
 * </ol>
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li>Extensions are never negotiated (an offered permessage-deflate is left unanswered), so every
 *       RSV bit is a protocol error.</li>
 *   <li>Non-minimal length encodings are accepted; a 64-bit length with its top bit set is not.</li>
 *   <li>Masked payloads are unmasked in place in the caller's buffer.</li>
 *   <li>Text is delivered as validated UTF-8 bytes, not as a String, so echoing text costs no
 *       decoding.</li>
 * </ul> *
 * <p>Internal: public for the engine's transports, not a supported API, and it may change in any release.
 */
package io.tether.codec.ws;
