import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * TLS test servers of the integration tier: a test CA and a server certificate for localhost
 * (made with openssl at test time, never stored), and Redis and Postgres instances of our own on
 * free loopback ports that speak only TLS with it. Postgres runs as the `postgres` OS user (it
 * refuses root), as infra/lib/postgres.sh does.
 */
export interface TestCa {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** A second CA that signed nothing here: trusting it must fail. */
  otherCaFile: string;
  /** A client certificate (CN=parley client) signed by the CA, for servers that require one. */
  clientCertFile: string;
  clientKeyFile: string;
  /** The same, signed by the other CA: a server trusting only the CA refuses it. */
  otherClientCertFile: string;
  otherClientKeyFile: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  chmodSync(dir, 0o755);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=parley test CA'], dir);
  openssl(['req', '-x509', ...ec, '-keyout', 'other.key', '-out', 'other.pem', '-days', '1', '-subj', '/CN=parley other CA'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext'], dir);
  for (const [name, signer] of [['client', 'ca'], ['other-client', 'other']]) {
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=parley client'], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1'], dir);
  }
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caFile: file('ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    otherCaFile: file('other.pem'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    otherClientCertFile: file('other-client.pem'),
    otherClientKeyFile: file('other-client.key'),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

function stopper(proc: ChildProcess, cleanup: () => void): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        cleanup();
        resolve();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      proc.kill('SIGTERM');
    });
}

async function waitFor(what: string, probe: () => boolean, proc: ChildProcess, log: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (proc.exitCode !== null) throw new Error(`${what} exited: ${log()}`);
    if (Date.now() > deadline) throw new Error(`${what} not up within ${timeoutMs} ms: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** redis-server with TLS only (no plaintext port), clients need no certificate. */
export async function startTlsRedis(ca: TestCa): Promise<RunningServer> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', ca.certFile, '--tls-key-file', ca.keyFile, '--tls-ca-cert-file', ca.caFile, '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', ca.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor('redis', () => out.includes('Ready to accept connections'), proc, () => out);
  return { port, stop: stopper(proc, () => undefined) };
}

/** A throwaway Postgres cluster with ssl=on and only hostssl connections allowed. */
export async function startTlsPostgres(ca: TestCa, binDir = '/usr/local/bin'): Promise<RunningServer> {
  const port = await freePort();
  const data = join(ca.dir, 'pgdata');
  const asPg = (cmd: string, args: string[]) => ['--reuid=postgres', '--regid=postgres', '--init-groups', join(binDir, cmd), ...args];
  execFileSync('chown', ['postgres:postgres', ca.dir, ca.keyFile, ca.certFile, ca.caFile]);
  chmodSync(ca.keyFile, 0o600);
  execFileSync('setpriv', asPg('initdb', ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--no-locale', '-A', 'trust']), { stdio: 'ignore' });
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
  const proc = spawn('setpriv', asPg('postgres', ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', ca.dir, '-c', 'ssl=on', '-c', `ssl_cert_file=${ca.certFile}`, '-c', `ssl_key_file=${ca.keyFile}`, '-c', 'fsync=off']), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor('postgres', () => out.includes('ready to accept connections'), proc, () => out);
  return { port, stop: stopper(proc, () => undefined) };
}

export function removeTestCa(ca: TestCa): void {
  rmSync(ca.dir, { recursive: true, force: true });
}
