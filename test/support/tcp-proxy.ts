/**
 * A TCP proxy for fault tests (Node `net`), put between Parley and a data server: it forwards both
 * directions, can delay every chunk by a fixed latency (order kept per direction), and can cut every
 * open connection at once (a lost link: both ends see a reset). Loopback only, on a free port.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private readonly open = new Set<Socket>();
  private latencyMs = 0;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1:<free port> and forwards to upstreamHost:upstreamPort. */
  static async start(upstreamHost: string, upstreamPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, upstreamHost, upstreamPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** Added one-way latency for every chunk from now on (0: none). */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Connections currently proxied. */
  connections(): number {
    return this.open.size / 2;
  }

  /** Resets every open connection (new ones are accepted as before). Returns how many were cut. */
  cutAll(): number {
    const n = this.connections();
    for (const s of this.open) s.resetAndDestroy();
    return n;
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    const upstream = createConnection({ host, port });
    for (const s of [client, upstream]) {
      this.open.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined); // a reset is this proxy's business; both ends are torn down on close
      s.on('close', () => {
        this.open.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  /** Copies `from` to `to`, each chunk held for the latency in force when it arrived, in order. */
  private forward(from: Socket, to: Socket): void {
    const queue: Array<{ due: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | null = null;
    const drain = () => {
      timer = null;
      const now = Date.now();
      while (queue.length > 0 && queue[0].due <= now) {
        const { chunk } = queue.shift() as { chunk: Buffer };
        if (!to.destroyed) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, queue[0].due - now);
    };
    from.on('data', (chunk: Buffer) => {
      if (this.latencyMs <= 0 && queue.length === 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      // Never earlier than the chunk before it: a latency lowered mid-stream keeps the order.
      const due = Math.max(Date.now() + this.latencyMs, queue.at(-1)?.due ?? 0);
      queue.push({ due, chunk });
      timer ??= setTimeout(drain, due - Date.now());
    });
    from.on('close', () => {
      if (timer) clearTimeout(timer);
    });
  }
}
