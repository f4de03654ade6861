package io.tether.codec;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Ack;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Goodbye;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Ping;
import io.tether.codec.proto.Pong;
import io.tether.codec.proto.Push;
import io.tether.codec.proto.Request;
import io.tether.codec.proto.Response;
import io.tether.codec.proto.Welcome;
import java.util.LinkedHashMap;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The field values of one frame, written two ways: by {@link FrameEncoder} and by protobuf's generated code, which is
 * the reference. Maps keep their insertion order so both writers see the entries in the same order.
 */
sealed interface FrameValues {
    /** The frame as protobuf's generated builders make it. */
    Frame generated();

    /** {@link FrameEncoder}'s {@code xxxLength} for these values. */
    int encodedLength();

    /** {@link FrameEncoder}'s {@code putXxx} for these values; returns the bytes written. */
    int encode(MutableDirectBuffer buffer, int index);

    /**
     * The values as a receiver sees them: strings go through UTF-8, so an unpaired surrogate arrives as '?'
     * (what both protobuf and {@code String.getBytes(UTF_8)} write for it).
     */
    FrameValues asReceived();

    /** The bytes {@link #encode} writes, in an array of exactly that size. */
    default byte[] encoded() {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[encodedLength()]);
        encode(buffer, 0);
        return buffer.byteArray();
    }

    static String received(String s) {
        return new String(s.getBytes(UTF_8), UTF_8);
    }

    static Map<String, String> received(Map<String, String> map) {
        final Map<String, String> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(received(k), received(v)));
        return out;
    }

    record ResponseValues(long id, int status, ByteString payload, String error) implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setResponse(Response.newBuilder()
                .setId(id).setStatus(status).setPayload(payload).setError(error)).build();
        }

        public int encodedLength() {
            return FrameEncoder.responseLength(id, status, payload, error);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putResponse(buffer, index, id, status, payload, error);
        }

        public FrameValues asReceived() {
            return new ResponseValues(id, status, payload, received(error));
        }
    }

    record PushValues(long seq, String topic, ByteString payload) implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setPush(Push.newBuilder().setSeq(seq).setTopic(topic).setPayload(payload))
                .build();
        }

        public int encodedLength() {
            return FrameEncoder.pushLength(seq, topic, payload);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putPush(buffer, index, seq, topic, payload);
        }

        public FrameValues asReceived() {
            return new PushValues(seq, received(topic), payload);
        }
    }

    record RequestValues(long id, String method, ByteString payload, Map<String, String> headers)
        implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setRequest(Request.newBuilder()
                .setId(id).setMethod(method).setPayload(payload).putAllHeaders(headers)).build();
        }

        public int encodedLength() {
            return FrameEncoder.requestLength(id, method, payload, headers);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putRequest(buffer, index, id, method, payload, headers);
        }

        public FrameValues asReceived() {
            return new RequestValues(id, received(method), payload, received(headers));
        }
    }

    record HelloValues(String clientId, byte[] resumeToken, long lastPushSeq, Map<String, String> metadata,
                       long helloSeq) implements FrameValues {
        HelloValues(String clientId, byte[] resumeToken, long lastPushSeq, Map<String, String> metadata) {
            this(clientId, resumeToken, lastPushSeq, metadata, 0);
        }

        public Frame generated() {
            return Frame.newBuilder().setHello(Hello.newBuilder().setClientId(clientId)
                .setResumeToken(ByteString.copyFrom(resumeToken)).setLastPushSeq(lastPushSeq)
                .putAllMetadata(metadata).setHelloSeq(helloSeq)).build();
        }

        public int encodedLength() {
            return FrameEncoder.helloLength(clientId, resumeToken, lastPushSeq, metadata, helloSeq);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putHello(buffer, index, clientId, resumeToken, lastPushSeq, metadata, helloSeq);
        }

        public FrameValues asReceived() {
            return new HelloValues(received(clientId), resumeToken, lastPushSeq, received(metadata), helloSeq);
        }
    }

    record WelcomeValues(String sessionId, byte[] resumeToken, boolean resumed, int heartbeatMs)
        implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setWelcome(Welcome.newBuilder().setSessionId(sessionId)
                .setResumeToken(ByteString.copyFrom(resumeToken)).setResumed(resumed).setHeartbeatMs(heartbeatMs))
                .build();
        }

        public int encodedLength() {
            return FrameEncoder.welcomeLength(sessionId, resumeToken, resumed, heartbeatMs);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putWelcome(buffer, index, sessionId, resumeToken, resumed, heartbeatMs);
        }

        public FrameValues asReceived() {
            return new WelcomeValues(received(sessionId), resumeToken, resumed, heartbeatMs);
        }
    }

    record GoodbyeValues(int code, String reason, int retryAfterMs, String reconnectTo) implements FrameValues {
        GoodbyeValues(int code, String reason) {
            this(code, reason, 0, "");
        }

        GoodbyeValues(int code, String reason, int retryAfterMs) {
            this(code, reason, retryAfterMs, "");
        }

        public Frame generated() {
            return Frame.newBuilder().setGoodbye(Goodbye.newBuilder().setCode(code).setReason(reason)
                .setRetryAfterMs(retryAfterMs).setReconnectTo(reconnectTo)).build();
        }

        public int encodedLength() {
            return FrameEncoder.goodbyeLength(code, reason, Integer.toUnsignedLong(retryAfterMs), reconnectTo);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putGoodbye(buffer, index, code, reason, Integer.toUnsignedLong(retryAfterMs),
                reconnectTo);
        }

        public FrameValues asReceived() {
            return new GoodbyeValues(code, received(reason), retryAfterMs, received(reconnectTo));
        }
    }

    record AckValues(long pushSeq) implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setAck(Ack.newBuilder().setPushSeq(pushSeq)).build();
        }

        public int encodedLength() {
            return FrameEncoder.ackLength(pushSeq);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putAck(buffer, index, pushSeq);
        }

        public FrameValues asReceived() {
            return this;
        }
    }

    record PingValues(long nonce) implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setPing(Ping.newBuilder().setNonce(nonce)).build();
        }

        public int encodedLength() {
            return FrameEncoder.pingLength(nonce);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putPing(buffer, index, nonce);
        }

        public FrameValues asReceived() {
            return this;
        }
    }

    record PongValues(long nonce) implements FrameValues {
        public Frame generated() {
            return Frame.newBuilder().setPong(Pong.newBuilder().setNonce(nonce)).build();
        }

        public int encodedLength() {
            return FrameEncoder.pongLength(nonce);
        }

        public int encode(MutableDirectBuffer buffer, int index) {
            return FrameEncoder.putPong(buffer, index, nonce);
        }

        public FrameValues asReceived() {
            return this;
        }
    }
}
