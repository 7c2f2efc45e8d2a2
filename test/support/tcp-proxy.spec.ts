import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { TcpProxy } from './tcp-proxy';

describe('TcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;
  const clients: Socket[] = [];

  beforeEach(async () => {
    // The proxy resets its upstream connections when it cuts them: the echo side sees ECONNRESET.
    echo = createServer((s) => s.on('error', () => undefined).pipe(s));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    const address = echo.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    proxy = await TcpProxy.start('127.0.0.1', address.port);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await proxy.stop();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  const connect = async (): Promise<Socket> => {
    const c = createConnection({ host: '127.0.0.1', port: proxy.port });
    clients.push(c);
    await new Promise<void>((resolve, reject) => c.once('connect', () => resolve()).once('error', reject));
    return c;
  };

  const read = (c: Socket, bytes: number): Promise<string> =>
    new Promise((resolve) => {
      let got = '';
      const onData = (d: Buffer) => {
        got += d.toString();
        if (got.length >= bytes) {
          c.off('data', onData);
          resolve(got);
        }
      };
      c.on('data', onData);
    });

  it('forwards both ways', async () => {
    const c = await connect();
    const answer = read(c, 5);
    c.write('hello');
    await expect(answer).resolves.toBe('hello');
    expect(proxy.connections()).toBe(1);
  });

  it('delays every chunk by the latency each way and keeps their order', async () => {
    const c = await connect();
    proxy.setLatency(60);
    const started = Date.now();
    const answer = read(c, 3);
    c.write('a');
    c.write('b');
    c.write('c');
    await expect(answer).resolves.toBe('abc');
    // Out and back: at least two delays of 60 ms (a lower bound, not a speed target).
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('cuts every open connection and still accepts new ones', async () => {
    const c = await connect();
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.on('error', () => undefined);
    expect(proxy.cutAll()).toBe(1);
    await closed;
    const again = await connect();
    const answer = read(again, 2);
    again.write('ok');
    await expect(answer).resolves.toBe('ok');
  });
});
