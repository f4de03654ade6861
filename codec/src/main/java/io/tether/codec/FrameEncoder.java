package io.tether.codec;

import com.google.protobuf.ByteString;
import java.util.Map;
import org.agrona.MutableDirectBuffer;

import static io.tether.codec.ProtoWire.WIRETYPE_LENGTH_DELIMITED;
import static io.tether.codec.ProtoWire.lengthDelimitedFieldSize;
import static io.tether.codec.ProtoWire.messageFieldSize;
import static io.tether.codec.ProtoWire.putBytesField;
import static io.tether.codec.ProtoWire.putMessageHeader;
import static io.tether.codec.ProtoWire.putStringField;
import static io.tether.codec.ProtoWire.putVarintField;
import static io.tether.codec.ProtoWire.utf8Length;
import static io.tether.codec.ProtoWire.varintFieldSize;

/**
 * Encodes the frames of the hot paths straight into a buffer, byte-for-byte what protobuf's generated code writes
 * for the same {@code Frame}, without building message objects. Every {@code xxxLength} gives the encoded size of
 * the whole {@code Frame} (no transport framing), so a caller can claim exactly that much space first; every
 * {@code putXxx} writes it at {@code index} and returns the bytes written.
 */
public final class FrameEncoder {
    // Field numbers of Frame's oneof, fixed by the public contract.
    static final int HELLO = 1;
    static final int WELCOME = 2;
    static final int REQUEST = 3;
    static final int RESPONSE = 4;
    static final int PUSH = 5;
    static final int ACK = 6;
    static final int PING = 7;
    static final int PONG = 8;
    static final int GOODBYE = 9;

    private FrameEncoder() {
    }

    // ---- Response { uint64 id = 1; uint32 status = 2; bytes payload = 3; string error = 4; }

    public static int responseLength(long id, int status, ByteString payload, String error) {
        return messageFieldSize(RESPONSE, responseBody(id, status, payload.size(), utf8Length(error)));
    }

    public static int putResponse(MutableDirectBuffer buffer, int index, long id, int status, ByteString payload,
                                  String error) {
        final int errorLength = utf8Length(error);
        int i = index + putMessageHeader(buffer, index, RESPONSE, responseBody(id, status, payload.size(), errorLength));
        i += putVarintField(buffer, i, 1, id);
        i += putVarintField(buffer, i, 2, status & 0xFFFFFFFFL);
        i += putBytesField(buffer, i, 3, payload);
        i += putStringField(buffer, i, 4, error, errorLength);
        return i - index;
    }

    private static int responseBody(long id, int status, int payloadLength, int errorLength) {
        return varintFieldSize(1, id) + varintFieldSize(2, status & 0xFFFFFFFFL)
            + lengthDelimitedFieldSize(3, payloadLength) + lengthDelimitedFieldSize(4, errorLength);
    }

    // ---- Push { uint64 seq = 1; string topic = 2; bytes payload = 3; }

    public static int pushLength(long seq, String topic, ByteString payload) {
        return messageFieldSize(PUSH, pushBody(seq, utf8Length(topic), payload.size()));
    }

    public static int putPush(MutableDirectBuffer buffer, int index, long seq, String topic, ByteString payload) {
        final int topicLength = utf8Length(topic);
        int i = index + putMessageHeader(buffer, index, PUSH, pushBody(seq, topicLength, payload.size()));
        i += putVarintField(buffer, i, 1, seq);
        i += putStringField(buffer, i, 2, topic, topicLength);
        i += putBytesField(buffer, i, 3, payload);
        return i - index;
    }

    private static int pushBody(long seq, int topicLength, int payloadLength) {
        return varintFieldSize(1, seq) + lengthDelimitedFieldSize(2, topicLength)
            + lengthDelimitedFieldSize(3, payloadLength);
    }

    // ---- Request { uint64 id = 1; string method = 2; bytes payload = 3; map<string,string> headers = 4; }

    public static int requestLength(long id, String method, ByteString payload, Map<String, String> headers) {
        return messageFieldSize(REQUEST, requestBody(id, utf8Length(method), payload.size(), headers));
    }

    public static int putRequest(MutableDirectBuffer buffer, int index, long id, String method, ByteString payload,
                                 Map<String, String> headers) {
        final int methodLength = utf8Length(method);
        int i = index + putMessageHeader(buffer, index, REQUEST, requestBody(id, methodLength, payload.size(), headers));
        i += putVarintField(buffer, i, 1, id);
        i += putStringField(buffer, i, 2, method, methodLength);
        i += putBytesField(buffer, i, 3, payload);
        i += putMap(buffer, i, 4, headers);
        return i - index;
    }

    private static int requestBody(long id, int methodLength, int payloadLength, Map<String, String> headers) {
        return varintFieldSize(1, id) + lengthDelimitedFieldSize(2, methodLength)
            + lengthDelimitedFieldSize(3, payloadLength) + mapSize(4, headers);
    }

    // ---- Ack, Ping, Pong: { uint64 value = 1; }

    public static int ackLength(long pushSeq) {
        return singleVarintLength(ACK, pushSeq);
    }

    public static int putAck(MutableDirectBuffer buffer, int index, long pushSeq) {
        return putSingleVarint(buffer, index, ACK, pushSeq);
    }

    public static int pingLength(long nonce) {
        return singleVarintLength(PING, nonce);
    }

    public static int putPing(MutableDirectBuffer buffer, int index, long nonce) {
        return putSingleVarint(buffer, index, PING, nonce);
    }

    public static int pongLength(long nonce) {
        return singleVarintLength(PONG, nonce);
    }

    public static int putPong(MutableDirectBuffer buffer, int index, long nonce) {
        return putSingleVarint(buffer, index, PONG, nonce);
    }

    private static int singleVarintLength(int kind, long value) {
        return messageFieldSize(kind, varintFieldSize(1, value));
    }

    private static int putSingleVarint(MutableDirectBuffer buffer, int index, int kind, long value) {
        final int n = putMessageHeader(buffer, index, kind, varintFieldSize(1, value));
        return n + putVarintField(buffer, index + n, 1, value);
    }

    // ---- Goodbye { uint32 code = 1; string reason = 2; uint32 retry_after_ms = 3; string reconnect_to = 4; }

    public static int goodbyeLength(int code, String reason, long retryAfterMs, String reconnectTo) {
        return messageFieldSize(GOODBYE, goodbyeBody(code, utf8Length(reason), retryAfterMs, utf8Length(reconnectTo)));
    }

    public static int putGoodbye(MutableDirectBuffer buffer, int index, int code, String reason, long retryAfterMs,
                                 String reconnectTo) {
        final int reasonLength = utf8Length(reason);
        final int urlLength = utf8Length(reconnectTo);
        int i = index + putMessageHeader(buffer, index, GOODBYE, goodbyeBody(code, reasonLength, retryAfterMs,
            urlLength));
        i += putVarintField(buffer, i, 1, code & 0xFFFFFFFFL);
        i += putStringField(buffer, i, 2, reason, reasonLength);
        i += putVarintField(buffer, i, 3, retryMs(retryAfterMs));
        i += putStringField(buffer, i, 4, reconnectTo, urlLength);
        return i - index;
    }

    /** retry_after_ms is a uint32: 0 (absent) or up to about 49 days. */
    private static long retryMs(long retryAfterMs) {
        return Math.min(Math.max(0, retryAfterMs), 0xFFFFFFFFL);
    }

    private static int goodbyeBody(int code, int reasonLength, long retryAfterMs, int urlLength) {
        return varintFieldSize(1, code & 0xFFFFFFFFL) + lengthDelimitedFieldSize(2, reasonLength)
            + varintFieldSize(3, retryMs(retryAfterMs)) + lengthDelimitedFieldSize(4, urlLength);
    }

    // ---- Welcome { string session_id = 1; bytes resume_token = 2; bool resumed = 3; uint32 heartbeat_ms = 4; }

    public static int welcomeLength(String sessionId, byte[] resumeToken, boolean resumed, int heartbeatMs) {
        return messageFieldSize(WELCOME, welcomeBody(utf8Length(sessionId), resumeToken.length, resumed, heartbeatMs));
    }

    public static int putWelcome(MutableDirectBuffer buffer, int index, String sessionId, byte[] resumeToken,
                                 boolean resumed, int heartbeatMs) {
        final int idLength = utf8Length(sessionId);
        int i = index + putMessageHeader(buffer, index, WELCOME,
            welcomeBody(idLength, resumeToken.length, resumed, heartbeatMs));
        i += putStringField(buffer, i, 1, sessionId, idLength);
        i += putBytesField(buffer, i, 2, resumeToken);
        i += putVarintField(buffer, i, 3, resumed ? 1 : 0);
        i += putVarintField(buffer, i, 4, heartbeatMs & 0xFFFFFFFFL);
        return i - index;
    }

    private static int welcomeBody(int idLength, int tokenLength, boolean resumed, int heartbeatMs) {
        return lengthDelimitedFieldSize(1, idLength) + lengthDelimitedFieldSize(2, tokenLength)
            + varintFieldSize(3, resumed ? 1 : 0) + varintFieldSize(4, heartbeatMs & 0xFFFFFFFFL);
    }

    // ---- Hello { string client_id = 1; bytes resume_token = 2; uint64 last_push_seq = 3; map metadata = 4;
    //              uint64 hello_seq = 5; }

    public static int helloLength(String clientId, byte[] resumeToken, long lastPushSeq, Map<String, String> metadata,
                                  long helloSeq) {
        return messageFieldSize(HELLO,
            helloBody(utf8Length(clientId), resumeToken.length, lastPushSeq, metadata, helloSeq));
    }

    public static int putHello(MutableDirectBuffer buffer, int index, String clientId, byte[] resumeToken,
                               long lastPushSeq, Map<String, String> metadata, long helloSeq) {
        final int idLength = utf8Length(clientId);
        int i = index + putMessageHeader(buffer, index, HELLO,
            helloBody(idLength, resumeToken.length, lastPushSeq, metadata, helloSeq));
        i += putStringField(buffer, i, 1, clientId, idLength);
        i += putBytesField(buffer, i, 2, resumeToken);
        i += putVarintField(buffer, i, 3, lastPushSeq);
        i += putMap(buffer, i, 4, metadata);
        i += putVarintField(buffer, i, 5, helloSeq);
        return i - index;
    }

    private static int helloBody(
        int idLength, int tokenLength, long lastPushSeq, Map<String, String> metadata, long helloSeq) {
        return lengthDelimitedFieldSize(1, idLength) + lengthDelimitedFieldSize(2, tokenLength)
            + varintFieldSize(3, lastPushSeq) + mapSize(4, metadata) + varintFieldSize(5, helloSeq);
    }

    // ---- map<string, string>: a repeated message { string key = 1; string value = 2; } per entry.

    private static int mapSize(int fieldNumber, Map<String, String> map) {
        if (map.isEmpty()) {
            return 0;
        }
        int size = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            size += messageFieldSize(fieldNumber, mapEntryBody(e));
        }
        return size;
    }

    private static int mapEntryBody(Map.Entry<String, String> e) {
        // Generated code writes both fields of a map entry even when empty.
        final int k = utf8Length(e.getKey());
        final int v = utf8Length(e.getValue());
        return messageFieldSize(1, k) + messageFieldSize(2, v);
    }

    private static int putMap(MutableDirectBuffer buffer, int index, int fieldNumber, Map<String, String> map) {
        if (map.isEmpty()) {
            return 0;
        }
        int i = index;
        for (Map.Entry<String, String> e : map.entrySet()) {
            i += putMessageHeader(buffer, i, fieldNumber, mapEntryBody(e));
            i += putEntryString(buffer, i, 1, e.getKey());
            i += putEntryString(buffer, i, 2, e.getValue());
        }
        return i - index;
    }

    private static int putEntryString(MutableDirectBuffer buffer, int index, int fieldNumber, String value) {
        final int length = utf8Length(value);
        final int n = ProtoWire.putTag(buffer, index, fieldNumber, WIRETYPE_LENGTH_DELIMITED);
        final int m = ProtoWire.putVarint(buffer, index + n, length);
        return n + m + ProtoWire.putUtf8(buffer, index + n + m, value);
    }
}
