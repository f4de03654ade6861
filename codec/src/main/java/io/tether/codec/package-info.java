/**
 * The wire contract: the TCP framing, the frame encoders and decoders, and the protocol's codes.
 *
 * <p><b>Supported API</b>, as the engine's API passes them: {@link io.tether.codec.Status} (response statuses,
 * gRPC's numbering) and {@link io.tether.codec.GoodbyeCode} (why a connection closed), and the protocol messages
 * in {@code io.tether.codec.proto} ({@code Response}, {@code Push}, {@code Welcome}). The framing and coding
 * classes are public for tether's own modules and may change in any release; the protocol itself is specified in
 * docs/PROTOCOL.md and changes only compatibly.
 */
package io.tether.codec;
