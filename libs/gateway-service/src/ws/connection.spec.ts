import { setFlagsFromString } from 'node:v8';
import { App, us_listen_socket, us_listen_socket_close, us_socket_local_port, WebSocket as UwsSocket } from 'uWebSockets.js';
import WebSocket from 'ws';
import { connectionOf, newConnectionData, Socket, SocketSlot } from './connection';

// V8's own answer to "is this object in fast mode?" (a dictionary-mode object fails it).
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

/** Upgrades one real loopback socket with `userData` and hands its uWS WebSocket object to `inspect`. */
async function upgradedWith<T extends object, R>(userData: () => T, inspect: (ws: UwsSocket<T>) => R): Promise<R> {
  let listen: us_listen_socket | null = null;
  let client: WebSocket | null = null;
  try {
    const opened = new Promise<R>((resolve, reject) => {
      const app = App().ws<T>('/*', {
        upgrade: (res, req, context) =>
          res.upgrade(userData(), req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context),
        open: (ws) => {
          try {
            resolve(inspect(ws));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
          ws.end(1000);
        },
      });
      app.listen('127.0.0.1', 0, (socket) => {
        if (!socket) return reject(new Error('uWS could not listen on loopback'));
        listen = socket;
        client = new WebSocket(`ws://127.0.0.1:${us_socket_local_port(socket)}/`);
        client.on('error', reject);
      });
    });
    return await opened;
  } finally {
    (client as WebSocket | null)?.terminate();
    if (listen) us_listen_socket_close(listen);
  }
}

const claims = { sub: 'user-1', sid: 'session-1', exp: 2_000_000_000 };
const rates = { sendRatePerSecond: 10, signalRatePerSecond: 20 };

describe('the per-socket data uWS holds', () => {
  it('turns a socket object into a dictionary when its user data has 16 properties (the cliff the slot avoids)', async () => {
    const flat = () => Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`p${i}`, i]));
    const fast = await upgradedWith(flat, (ws) => hasFastProperties(ws.getUserData()));
    expect(fast).toBe(false);
  });

  it('keeps the socket object and its ConnectionData fast, whatever ConnectionData holds', async () => {
    const seen = await upgradedWith<SocketSlot, { socket: boolean; data: boolean; fields: number; userId: string }>(
      () => ({ conn: newConnectionData(claims, 'digest-bytes-16b', 3, rates) }),
      (ws) => {
        const d = connectionOf(ws as Socket);
        return { socket: hasFastProperties(ws.getUserData()), data: hasFastProperties(d), fields: Object.keys(d).length, userId: d.userId };
      },
    );
    expect({ socket: seen.socket, data: seen.data, userId: seen.userId }).toEqual({ socket: true, data: true, userId: 'user-1' });
    // The data alone would be past the cliff: the slot is what keeps the socket object fast.
    expect(seen.fields).toBeGreaterThanOrEqual(16);
  });

  it('declares every field up front, so a late one (afterHello) does not change the shape', () => {
    const d = newConnectionData(claims, undefined, 0, rates);
    const keysBefore = Object.keys(d);
    d.afterHello = [() => undefined];
    expect(Object.keys(d)).toEqual(keysBefore);
    expect(keysBefore).toEqual(expect.arrayContaining(['afterHello', 'tokenDigest', 'keysGeneration']));
  });
});
