import { createServer } from 'node:net';

/**
 * Free ports on 127.0.0.1 for the processes the tests and the bench start. "Free" means free a
 * moment ago: the caller binds straight after, and a start that loses the race retries.
 */

/** A port the OS handed out for port 0 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a listening socket'));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolvePort(port)));
    });
  });
}

/** Whether nothing listens on this port of 127.0.0.1 right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/** Attempts at finding `count` consecutive free ports before giving up. */
const PORT_RANGE_ATTEMPTS = 50;

/** The first of `count` consecutive ports that were all free a moment ago. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < PORT_RANGE_ATTEMPTS; attempt++) {
    const first = await freePort();
    if (first + count - 1 > 65535) continue;
    let free = true;
    for (let p = first + 1; p < first + count && free; p++) free = await portIsFree(p);
    if (free) return first;
  }
  throw new Error(`no ${count} consecutive free ports found in ${PORT_RANGE_ATTEMPTS} attempts`);
}

/**
 * Ports 32000-32767: below Linux's ephemeral range (32768+), so no outgoing connection is ever
 * given one between the check and the bind, and above the mesh's gRPC/admin blocks (20000-31999).
 */
const GATEWAY_PORTS_FIRST = 32_000;
const GATEWAY_PORTS_END = 32_768;

/**
 * The first of `count` consecutive ports for a mesh's gateways, all free a moment ago. Unlike
 * freePortRange's (from the ephemeral range), an outgoing connection made meanwhile cannot take one:
 * a mesh test once failed to start because a Kafka connection got its second gateway's port.
 */
export async function freeGatewayPorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < PORT_RANGE_ATTEMPTS; attempt++) {
    const first = GATEWAY_PORTS_FIRST + Math.floor(Math.random() * (GATEWAY_PORTS_END - GATEWAY_PORTS_FIRST - count + 1));
    let free = true;
    for (let p = first; p < first + count && free; p++) free = await portIsFree(p);
    if (free) return first;
  }
  throw new Error(`no ${count} consecutive free ports found between ${GATEWAY_PORTS_FIRST} and ${GATEWAY_PORTS_END - 1}`);
}
