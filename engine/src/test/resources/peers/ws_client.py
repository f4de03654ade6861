"""A Python `websockets` peer of tether's WebSocket listener; run it with /usr/bin/python3 (the interpreter Debian's
python3-websockets is installed for). Prints one JSON result line on stdout.

  ws_client.py echo URL PAYLOAD   Hello -> Welcome, echo(PAYLOAD) -> Response
  ws_client.py block URL          after the Welcome blocks its event loop (a blocking read of stdin, as a
                                  stuck coroutine would) so pings go unanswered, then reports the close it sees

tether.v1 frames (codec/src/main/protobuf/tether/v1/tether.proto) are encoded and decoded by hand.
"""
import asyncio
import json
import sys

import websockets


def varint(value):
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def length_delimited(field, data):
    return varint(field << 3 | 2) + varint(len(data)) + data


def varint_field(field, value):
    return varint(field << 3) + varint(value)


def hello(client_id):
    return length_delimited(1, length_delimited(1, client_id.encode()))


def request(request_id, method, payload):
    body = varint_field(1, request_id) + length_delimited(2, method.encode()) + length_delimited(3, payload.encode())
    return length_delimited(3, body)


def fields(data):
    """number -> int (varint) or bytes (length-delimited); other wire types are refused."""
    out, i = {}, 0

    def read_varint():
        nonlocal i
        value, shift = 0, 0
        while True:
            b = data[i]
            i += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    while i < len(data):
        key = read_varint()
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            out[field] = read_varint()
        elif wire_type == 2:
            length = read_varint()
            if i + length > len(data):
                raise ValueError(f"truncated field {field}")
            out[field] = data[i:i + length]
            i += length
        else:
            raise ValueError(f"unexpected wire type {wire_type} of field {field}")
    return out


def expect(data, kind_field, kind):
    frame = fields(data)
    if kind_field not in frame:
        raise ValueError(f"expected {kind}, got fields {sorted(frame)}")
    return fields(frame[kind_field])


async def run(mode, url, arg):
    result = {"subprotocol": None, "sessionId": None, "heartbeatMs": 0}
    async with websockets.connect(url, subprotocols=["tether.v1"], ping_interval=None) as ws:
        result["subprotocol"] = ws.subprotocol
        await ws.send(hello("python-websockets-" + mode))
        welcome = expect(await ws.recv(), 2, "welcome")
        result["sessionId"] = welcome.get(1, b"").decode()
        result["heartbeatMs"] = welcome.get(4, 0)
        if mode == "echo":
            await ws.send(request(1, "echo", arg))
            response = expect(await ws.recv(), 4, "response")
            result.update(status=response.get(2, 0), payload=response.get(3, b"").decode(),
                          error=response.get(4, b"").decode() or None)
            return result
        print(json.dumps({"event": "blocking"}), flush=True)
        sys.stdin.readline()  # blocks the event loop: nothing is read, no ping is answered
        messages = 0
        try:
            while True:
                await ws.recv()
                messages += 1
        except websockets.ConnectionClosed as closed:
            result.update(closeCode=closed.rcvd.code if closed.rcvd else None, messagesBeforeClose=messages)
        return result


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("echo", "block"):
        sys.exit("usage: ws_client.py echo|block URL [PAYLOAD]")
    mode, url = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    print(json.dumps(asyncio.run(run(mode, url, arg))), flush=True)


if __name__ == "__main__":
    main()
