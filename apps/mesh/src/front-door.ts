import { createServer, connect, Server, Socket } from 'node:net';

/**
 * A stable address in front of a service whose instances come and go (what a Kubernetes Service
 * is to its pods): each new TCP connection goes to the current backend; connections already made
 * stay with the backend they reached until either side closes. The mesh uses it only for rolling
 * restarts (PARLEY_MESH_ROLLING=1), where a new instance starts beside the old one on other ports.
 */
export class FrontDoor {
  private backend: { host: string; port: number } | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static listen(host: string, port: number): Promise<FrontDoor> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      const door = new FrontDoor(server);
      server.on('connection', (client) => door.relay(client));
      server.once('error', reject);
      server.listen(port, host, () => resolve(door));
    });
  }

  /** Where new connections go from now on. */
  route(address: string): void {
    const i = address.lastIndexOf(':');
    this.backend = { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const backend = this.backend;
    if (!backend) {
      client.destroy();
      return;
    }
    const upstream = connect(backend.port, backend.host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => this.sockets.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side ending or failing ends both, as a direct connection would.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
