// tether.v1 frames (codec/src/main/protobuf/tether/v1/tether.proto) encoded and decoded by hand: a varint
// writer, length-delimited fields, and a reader for wire types 0 and 2. Shared by the Node peer (require) and the
// browser page (<script>); both hand it a WebSocket with the browser API (Node's ws offers the same one).
(function (exports) {
  'use strict';

  function varint(value) {
    const out = [];
    while (value > 0x7f) {
      out.push((value % 128) | 0x80);
      value = Math.floor(value / 128);
    }
    out.push(value);
    return out;
  }

  function utf8(text) {
    return Array.from(new TextEncoder().encode(text));
  }

  function lengthDelimited(field, bytes) {
    return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
  }

  function varintField(field, value) {
    return [...varint(field * 8), ...varint(value)];
  }

  /** Frame{hello = 1: Hello{client_id = 1}}. */
  function hello(clientId) {
    return Uint8Array.from(lengthDelimited(1, lengthDelimited(1, utf8(clientId))));
  }

  /** Frame{request = 3: Request{id = 1, method = 2, payload = 3}}. */
  function request(id, method, payload) {
    const body = [...varintField(1, id), ...lengthDelimited(2, utf8(method)), ...lengthDelimited(3, utf8(payload))];
    return Uint8Array.from(lengthDelimited(3, body));
  }

  /** The fields of one message: number -> varint value or Uint8Array; other wire types are refused. */
  function fields(bytes) {
    const out = {};
    let i = 0;
    const readVarint = () => {
      let value = 0;
      let scale = 1;
      for (;;) {
        if (i >= bytes.length) {
          throw new Error('truncated varint');
        }
        const b = bytes[i++];
        value += (b & 0x7f) * scale;
        scale *= 128;
        if (b < 0x80) {
          return value;
        }
      }
    };
    while (i < bytes.length) {
      const key = readVarint();
      const field = Math.floor(key / 8);
      const wireType = key % 8;
      if (wireType === 0) {
        out[field] = readVarint();
      } else if (wireType === 2) {
        const length = readVarint();
        if (i + length > bytes.length) {
          throw new Error('truncated field ' + field);
        }
        out[field] = bytes.subarray(i, i + length);
        i += length;
      } else {
        throw new Error('unexpected wire type ' + wireType + ' of field ' + field);
      }
    }
    return out;
  }

  const text = (bytes) => (bytes === undefined ? '' : new TextDecoder().decode(bytes));

  /** One server frame: {kind: 'welcome' | 'response' | 'goodbye' | ..., ...its fields}. */
  function decode(bytes) {
    const frame = fields(new Uint8Array(bytes));
    if (frame[2] !== undefined) {
      const w = fields(frame[2]);
      return { kind: 'welcome', sessionId: text(w[1]), resumeTokenLength: w[2] ? w[2].length : 0,
        resumed: w[3] === 1, heartbeatMs: w[4] || 0 };
    }
    if (frame[4] !== undefined) {
      const r = fields(frame[4]);
      return { kind: 'response', id: r[1] || 0, status: r[2] || 0, payload: text(r[3]), error: text(r[4]) };
    }
    if (frame[9] !== undefined) {
      const g = fields(frame[9]);
      return { kind: 'goodbye', code: g[1] || 0, reason: text(g[2]) };
    }
    return { kind: 'field-' + Object.keys(frame).join(',') };
  }

  /**
   * Upgrade (the caller offered tether.v1), Hello -> Welcome, then echo(payload) -> Response. Resolves with what a
   * user would check; `onWelcome(ws, welcome)` may take over instead of sending the echo request (it resolves the
   * promise itself through the returned callback).
   */
  function exchange(ws, clientId, payload, onWelcome) {
    return new Promise((resolve) => {
      const result = { subprotocol: null, sessionId: null, heartbeatMs: 0, status: -1, payload: null,
        error: null, closeCode: 0, goodbyeCode: 0 };
      const finish = (extra) => resolve(Object.assign(result, extra || {}));
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        result.subprotocol = ws.protocol;
        ws.send(hello(clientId));
      };
      ws.onerror = (event) => finish({ error: 'websocket error: ' + (event && event.message) });
      ws.onclose = (event) => finish({ closeCode: event.code });
      ws.onmessage = (event) => {
        if (typeof event.data === 'string') {
          finish({ error: 'unexpected text message' });
          return;
        }
        const frame = decode(event.data);
        if (frame.kind === 'welcome') {
          result.sessionId = frame.sessionId;
          result.heartbeatMs = frame.heartbeatMs;
          if (onWelcome) {
            onWelcome(ws, frame, finish);
          } else {
            ws.send(request(1, 'echo', payload));
          }
        } else if (frame.kind === 'response') {
          result.status = frame.status;
          result.payload = frame.payload;
          result.error = frame.error || null;
          ws.onclose = null;
          ws.close(1000, 'done');
          finish();
        } else if (frame.kind === 'goodbye') {
          result.goodbyeCode = frame.code;
        } else {
          finish({ error: 'unexpected frame ' + frame.kind });
        }
      };
    });
  }

  exports.hello = hello;
  exports.request = request;
  exports.decode = decode;
  exports.exchange = exchange;
})(typeof module !== 'undefined' ? module.exports : (window.tetherWire = {}));
