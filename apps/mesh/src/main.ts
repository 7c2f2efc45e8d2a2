import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { FrontDoor } from './front-door';

/**
 * `npm run mesh`: runs Parley's six services as separate processes on the real servers that
 * `infra/bin/parley-infra start all` provides, and supervises them like a tiny orchestrator:
 * a child that dies is restarted after a back-off; SIGTERM stops the gateways first, then the rest.
 *
 * Settings (environment, besides every PARLEY_* setting the services read):
 *   PARLEY_MESH_MESSAGING_REPLICAS  messaging processes (default 2: partitions are split, and move on failure)
 *   PARLEY_MESH_GATEWAYS            gateway processes (default 1, at most 8): gateway i (0-based) serves the public
 *                                   API on PARLEY_PORT + i and receives fanout on gRPC base+10+i (its gateway id);
 *                                   they are named `gateway`, `gateway-2`, `gateway-3`, ...
 *   PARLEY_MESH_PORT_BASE           first gRPC port (default 7100): auth +1, presence +3, notification +4, gateways +10..+17, messaging +20..;
 *                                   admin HTTP ports (/metrics, /healthz, /readyz on 127.0.0.1): auth +40, presence +41,
 *                                   fanout +42, notification +43, messaging-i +50+(i-1) (+50..+57), gateway i +30+i
 *                                   (+30..+37; a gateway serves /healthz and /readyz on its public port too, /metrics only here).
 * Each child's OTEL_RESOURCE_ATTRIBUTES gains service.instance.id=<child name> (traces tell the gateways apart).
 *   PARLEY_MESH_RESTART             restart children that die (default 1)
 *   PARLEY_MESH_ROLLING             1: every child's instance listens on ports of its own behind a stable front door
 *                                   (front-door.ts) on the addresses above, so that SIGUSR2 can roll every child like a
 *                                   Deployment rollout: start a new instance, wait until it is ready, route new
 *                                   connections to it, SIGTERM the old one (gateways drain), one child at a time.
 *                                   Prints {"msg":"mesh rolled","name":...} per child and {"msg":"mesh rolling restart","status":"done"}.
 * On readiness it prints one JSON line
 *   {"msg":"mesh ready","pids":{"auth":123,...},"admin":{"auth":"127.0.0.1:7140","messaging-1":"127.0.0.1:7150",...}}
 * (tests use pids to kill or pause a given service; admin names each child's admin port,
 * null while that child is down). It is printed again after a child restarts.
 */
interface Child {
  name: string;
  env: Record<string, string>;
  proc: ChildProcess | null;
  restarts: number;
  /** host:port of its admin server, as the child reported it when ready; null while down. */
  admin: string | null;
  /** Rolling mode: the stable address in front of this child's instances (none for fanout, which serves nothing). */
  door: FrontDoor | null;
}

const base = Number(process.env.PARLEY_MESH_PORT_BASE ?? 7100);
const replicas = Math.max(1, Math.min(8, Number(process.env.PARLEY_MESH_MESSAGING_REPLICAS ?? 2)));
const gatewayCount = Number(process.env.PARLEY_MESH_GATEWAYS || 1);
const publicPort = Number(process.env.PARLEY_PORT ?? 8080);
const restart = (process.env.PARLEY_MESH_RESTART ?? '1') !== '0';
const rolling = process.env.PARLEY_MESH_ROLLING === '1';
const drainMs = Number(process.env.PARLEY_DRAIN_MS || 0);
if (!Number.isInteger(base) || base < 1024 || base > 65000) throw new Error('PARLEY_MESH_PORT_BASE must be an integer port');
if (!Number.isInteger(gatewayCount) || gatewayCount < 1 || gatewayCount > 8) throw new Error('PARLEY_MESH_GATEWAYS must be an integer from 1 to 8');
if (!Number.isInteger(publicPort) || publicPort < 1 || publicPort + gatewayCount - 1 > 65535) {
  throw new Error(`PARLEY_PORT must be an integer port with room for ${gatewayCount} consecutive gateway ports`);
}

const messagingAddrs = Array.from({ length: replicas }, (_, i) => `127.0.0.1:${base + 20 + i}`);
const shared: Record<string, string> = {
  PARLEY_MODE: 'mesh',
  PARLEY_AUTH_ADDR: `127.0.0.1:${base + 1}`,
  PARLEY_MESSAGING_ADDR: messagingAddrs.join(','),
  PARLEY_PRESENCE_ADDR: `127.0.0.1:${base + 3}`,
  PARLEY_NOTIFICATION_ADDR: `127.0.0.1:${base + 4}`,
  PARLEY_GATEWAY_DELIVERY_ADDR: `127.0.0.1:${base + 10}`,
};

/** A child's own settings, with its admin port. */
function makeChild(name: string, adminPort: number, env: Record<string, string> = {}): Child {
  const resource = [process.env.OTEL_RESOURCE_ATTRIBUTES, `service.instance.id=${name}`].filter(Boolean).join(',');
  return { name, env: { PARLEY_ADMIN_HOST: '127.0.0.1', PARLEY_ADMIN_PORT: String(adminPort), OTEL_RESOURCE_ATTRIBUTES: resource, ...env }, proc: null, restarts: 0, admin: null, door: null };
}

const children: Child[] = [
  makeChild('auth', base + 40),
  ...messagingAddrs.map((addr, i) =>
    makeChild(`messaging-${i + 1}`, base + 50 + i, { PARLEY_MESSAGING_ADDR: `${addr},${messagingAddrs.filter((a) => a !== addr).join(',')}`.replace(/,$/, '') }),
  ),
  makeChild('presence', base + 41),
  // Before the gateways: their REST routes for devices and notification settings call it.
  makeChild('notification', base + 43),
  ...Array.from({ length: gatewayCount }, (_, i) =>
    makeChild(i === 0 ? 'gateway' : `gateway-${i + 1}`, base + 30 + i, { PARLEY_PORT: String(publicPort + i), PARLEY_GATEWAY_DELIVERY_ADDR: `127.0.0.1:${base + 10 + i}` }),
  ),
  makeChild('fanout', base + 42),
];

const distApps = join(__dirname, '..', '..');
let stopping = false;
/** Every instance still running, the current ones and those a rolling restart is stopping. */
const live = new Set<ChildProcess>();

/** A port nothing listens on now (rolling mode: each instance gets its own). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Rolling mode: the listen address, admin port (and a gateway's delivery address, its id) of a new
 * instance, and where its front door sends new connections. Otherwise the child's fixed ports.
 */
async function instancePorts(child: Child): Promise<{ env: Record<string, string>; backend: string | null }> {
  if (!rolling) return { env: {}, backend: null };
  const listen = `127.0.0.1:${await freePort()}`;
  const env: Record<string, string> = { PARLEY_ADMIN_PORT: child.env.PARLEY_ADMIN_PORT === '0' ? '0' : String(await freePort()) };
  if (child.name === 'auth') env.PARLEY_AUTH_ADDR = listen;
  else if (child.name === 'presence') env.PARLEY_PRESENCE_ADDR = listen;
  else if (child.name === 'notification') env.PARLEY_NOTIFICATION_ADDR = listen;
  else if (child.name.startsWith('messaging')) env.PARLEY_MESSAGING_ADDR = [listen, ...child.env.PARLEY_MESSAGING_ADDR.split(',').slice(1)].join(',');
  else if (child.name.startsWith('gateway')) {
    env.PARLEY_PORT = listen.split(':')[1];
    env.PARLEY_GATEWAY_DELIVERY_ADDR = `127.0.0.1:${await freePort()}`;
  } else return { env, backend: null };
  return { env, backend: listen };
}

/** The stable address of a child that has one: its gRPC address, or a gateway's public port. */
function stableAddress(child: Child): string | null {
  if (child.name === 'auth') return shared.PARLEY_AUTH_ADDR;
  if (child.name === 'presence') return shared.PARLEY_PRESENCE_ADDR;
  if (child.name === 'notification') return shared.PARLEY_NOTIFICATION_ADDR;
  if (child.name.startsWith('messaging')) return child.env.PARLEY_MESSAGING_ADDR.split(',')[0];
  if (child.name.startsWith('gateway')) return `127.0.0.1:${child.env.PARLEY_PORT}`;
  return null;
}

function entryOf(name: string): string {
  return join(distApps, name.replace(/-\d+$/, ''), 'src', 'main.js');
}

async function start(child: Child): Promise<void> {
  const { env, backend } = await instancePorts(child);
  return new Promise((resolve, reject) => {
    // Children run with the node flags the supervisor was started with (e.g. --cpu-prof for a benchmark).
    const proc = spawn(process.execPath, [...process.execArgv, entryOf(child.name)], {
      env: { ...process.env, ...shared, ...child.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.proc = proc;
    live.add(proc);
    let ready = false;
    const onLine = (line: string) => process.stdout.write(`[${child.name}] ${line}\n`);
    proc.on('message', (m: unknown) => {
      if (!ready && typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready') {
        ready = true;
        const admin = (m as { admin?: unknown }).admin;
        child.admin = typeof admin === 'string' ? admin : null;
        if (backend) child.door?.route(backend);
        resolve();
      }
    });
    pipeLines(proc.stdout, onLine);
    pipeLines(proc.stderr, onLine);
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      // An instance a rolling restart replaced: its successor is the child now.
      if (child.proc !== proc) return;
      child.proc = null;
      child.admin = null;
      if (!ready) reject(new Error(`${child.name} exited before ready (code ${code}, signal ${signal})`));
      if (stopping || !restart) return;
      child.restarts++;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(child.restarts, 5));
      process.stdout.write(`[mesh] ${child.name} exited (code ${code}, signal ${signal}); restarting in ${delay} ms\n`);
      setTimeout(() => {
        if (!stopping) start(child).then(announce, (err: unknown) => process.stdout.write(`[mesh] ${String(err)}\n`));
      }, delay).unref();
    });
  });
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    if (buf.length > 64 * 1024) buf = buf.slice(-64 * 1024);
  });
}

function announce(): void {
  const pids = Object.fromEntries(children.map((c) => [c.name, c.proc?.pid ?? null]));
  const admin = Object.fromEntries(children.map((c) => [c.name, c.admin]));
  process.stdout.write(JSON.stringify({ msg: 'mesh ready', pids, admin }) + '\n');
}

/** SIGTERM, then SIGKILL after the process's own bound (15 s, plus the drain window) has passed. */
function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000 + drainMs);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGCONT'); // a paused child must be able to act on SIGTERM
    p.kill('SIGTERM');
  });
}

async function stopAll(): Promise<void> {
  stopping = true;
  const named = (prefix: string) => children.filter((c) => c.name.startsWith(prefix)).map((c) => c.name);
  for (const name of [...named('gateway'), 'fanout', 'notification', 'presence', ...named('messaging'), 'auth']) {
    const p = children.find((x) => x.name === name)?.proc;
    if (p) await stopProc(p);
  }
  await Promise.all([...live].map(stopProc));
  await Promise.all(children.map((c) => c.door?.close()));
}

let rollingNow = false;

/**
 * SIGUSR2 in rolling mode: every child in turn, as a Deployment rollout with maxSurge 1 and
 * maxUnavailable 0 does it: start the new instance, wait until it is ready (its front door then
 * sends new connections to it), SIGTERM the old one and wait until it has exited.
 */
async function rollAll(): Promise<void> {
  if (!rolling) {
    process.stdout.write('[mesh] a rolling restart needs PARLEY_MESH_ROLLING=1\n');
    return;
  }
  if (rollingNow || stopping) return;
  rollingNow = true;
  try {
    const named = (prefix: string) => children.filter((c) => c.name.startsWith(prefix));
    for (const child of [children[0], ...named('messaging'), ...named('presence'), ...named('fanout'), ...named('notification'), ...named('gateway')]) {
      if (stopping) return;
      const old = child.proc;
      await start(child);
      announce();
      if (old) await stopProc(old);
      process.stdout.write(JSON.stringify({ msg: 'mesh rolled', name: child.name, pid: child.proc?.pid ?? null }) + '\n');
    }
    process.stdout.write(JSON.stringify({ msg: 'mesh rolling restart', status: 'done' }) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ msg: 'mesh rolling restart', status: 'failed', error: String(err) }) + '\n');
  } finally {
    rollingNow = false;
  }
}

async function main(): Promise<void> {
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.on('SIGUSR2', () => void rollAll());
  try {
    if (rolling) {
      for (const child of children) {
        const address = stableAddress(child);
        if (address) child.door = await FrontDoor.listen('127.0.0.1', Number(address.split(':')[1]));
      }
    }
    // auth first (others call it), then the messaging replicas and presence, then the edge.
    await start(children[0]);
    await Promise.all(children.filter((c) => c.name.startsWith('messaging') || ['presence', 'notification'].includes(c.name)).map(start));
    await Promise.all(children.filter((c) => c.name.startsWith('gateway') || c.name === 'fanout').map(start));
  } catch (err) {
    process.stderr.write(`[mesh] failed to start: ${String(err)}\n`);
    await stopAll();
    process.exit(1);
  }
  announce();
}

void main();
