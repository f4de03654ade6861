// A Node `ws` peer of tether's WebSocket listener. Prints one JSON result line on stdout.
//   node ws-client.js echo URL PAYLOAD   Hello -> Welcome, echo(PAYLOAD) -> Response
//   node ws-client.js pause URL          after the Welcome stops reading the socket (so pings go unanswered)
//                                        until a line arrives on stdin, then reports the close it sees
//   node ws-client.js answer URL PINGS   after the Welcome lets ws answer pings; reports once PINGS arrived
'use strict';
const WebSocket = require('ws');
const wire = require('./tether-wire.js');

const [mode, url, arg] = process.argv.slice(2);

function report(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

function pauseUntilStdin(ws, welcome, finish) {
  let pings = 0;
  ws.on('ping', () => pings++);
  ws._socket.pause();
  process.stdout.write(JSON.stringify({ event: 'paused' }) + '\n');
  process.stdin.once('data', () => {
    ws.onclose = (event) => finish({ closeCode: event.code, pings });
    ws._socket.resume();
  });
}

function answerPings(count) {
  return (ws, welcome, finish) => {
    let pings = 0;
    ws.on('ping', () => {
      if (++pings === count) {
        const open = ws.readyState === WebSocket.OPEN;
        ws.onclose = null;
        ws.close(1000, 'done');
        finish({ pings, open });
      }
    });
  };
}

const onWelcome = { echo: undefined, pause: pauseUntilStdin, answer: answerPings(Number(arg)) }[mode];
if (!url || !(mode in { echo: 1, pause: 1, answer: 1 })) {
  process.stderr.write('usage: ws-client.js echo|pause|answer URL [ARG]\n');
  process.exit(2);
}
wire.exchange(new WebSocket(url, 'tether.v1'), 'node-ws-' + mode, mode === 'echo' ? arg : '', onWelcome)
  .then(report);
