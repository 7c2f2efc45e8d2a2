import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, RunningServer, TestCa } from './tls-servers';

/**
 * A Kafka broker and a Cassandra node of our own that speak only TLS with the test CA's server
 * certificate and require a client certificate signed by it: throw-away JVMs on free loopback
 * ports, from the jars infra/ already fetched (PARLEY_INFRA_DIR), data under the CA's directory.
 * The shared instances on the default ports are never touched; stop() ends only these (by pid).
 */
const REPO = resolve(__dirname, '../../../..');
const JAVA = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

function jarsOf(name: 'kafka' | 'cassandra'): string {
  const root = join(process.env.PARLEY_INFRA_DIR || join(homedir(), '.cache/parley/infra'), 'jars');
  const dir = existsSync(root) ? readdirSync(root).find((d) => d.startsWith(`${name}-`) && existsSync(join(root, d, '.complete'))) : undefined;
  if (!dir) throw new Error(`no ${name} jars under ${root}: run infra/bin/parley-infra start first`);
  return join(root, dir);
}

/** Key and certificate in one PEM file: the PEM keystore Kafka and Cassandra read. */
function serverBundle(ca: TestCa): string {
  const file = join(ca.dir, 'server-bundle.pem');
  writeFileSync(file, readFileSync(ca.keyFile, 'utf8') + readFileSync(ca.certFile, 'utf8'));
  return file;
}

function startJvm(name: string, args: string[], ready: (out: string) => boolean, timeoutMs: number): Promise<() => Promise<void>> {
  const proc = spawn(JAVA, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (c: Buffer) => (out = (out + c.toString()).slice(-20_000));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const stop = () =>
    new Promise<void>((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      proc.kill('SIGTERM');
    });
  return new Promise((resolveStop, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (proc.exitCode !== null) return reject(new Error(`${name} exited ${proc.exitCode}: ${out.slice(-5000)}`));
      if (ready(out)) return resolveStop(stop);
      if (Date.now() > deadline) return void stop().then(() => reject(new Error(`${name} not up within ${timeoutMs} ms: ${out.slice(-5000)}`)));
      setTimeout(poll, 250);
    };
    poll();
  });
}

/** The SCRAM user of the TLS broker's SASL_SSL listener and the Cassandra node's superuser (PasswordAuthenticator). */
export const TLS_TEST_USER = { username: 'parley', password: randomBytes(12).toString('base64url') };
export const CASSANDRA_TEST_USER = { username: 'cassandra', password: 'cassandra' };

export interface TlsKafka extends RunningServer {
  /** The SASL_SSL listener (SCRAM-SHA-512, TLS without client certificates). */
  saslPort: number;
}

const kafkaProperties = (ca: TestCa, dir: string, port: number, cport: number, saslPort: number) => [
  'process.roles=broker,controller',
  'node.id=1',
  `controller.quorum.voters=1@127.0.0.1:${cport}`,
  `listeners=SSL://127.0.0.1:${port},SASL_SSL://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${cport}`,
  `advertised.listeners=SSL://localhost:${port},SASL_SSL://localhost:${saslPort}`,
  'controller.listener.names=CONTROLLER',
  'inter.broker.listener.name=SSL',
  'listener.security.protocol.map=SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
  'sasl.enabled.mechanisms=SCRAM-SHA-512',
  'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
  'listener.name.sasl_ssl.ssl.client.auth=none',
  'ssl.keystore.type=PEM',
  `ssl.keystore.location=${serverBundle(ca)}`,
  'ssl.truststore.type=PEM',
  `ssl.truststore.location=${ca.caFile}`,
  'ssl.client.auth=required',
  `log.dirs=${join(dir, 'data')}`,
  'offsets.topic.replication.factor=1',
  'offsets.topic.num.partitions=1',
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
  'share.coordinator.state.topic.replication.factor=1',
  'share.coordinator.state.topic.min.isr=1',
  'auto.create.topics.enable=false',
  'group.initial.rebalance.delay.ms=0',
  'num.network.threads=1',
  'num.io.threads=2',
  '',
];

/**
 * A KRaft broker+controller whose client listeners are SSL (ssl.client.auth=required) and SASL_SSL
 * (SCRAM-SHA-512, TLS_TEST_USER), advertised as localhost.
 */
export async function startTlsKafka(ca: TestCa): Promise<TlsKafka> {
  const lib = jarsOf('kafka');
  const dir = join(ca.dir, 'kafka');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const [port, cport, saslPort] = [await freePort(), await freePort(), await freePort()];
  const props = join(dir, 'server.properties');
  writeFileSync(props, kafkaProperties(ca, dir, port, cport, saslPort).join('\n'));
  const base = ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${join(REPO, 'infra/conf/kafka-log4j2.properties')}`, '-cp', `${lib}/*`];
  execFileSync(JAVA, [...base, 'kafka.tools.StorageTool', 'format', '-t', randomBytes(16).toString('base64url'), '-c', props, '--add-scram', `SCRAM-SHA-512=[name=${TLS_TEST_USER.username},password=${TLS_TEST_USER.password}]`], { stdio: 'ignore', timeout: 60_000 });
  const stop = await startJvm('kafka (TLS)', [...base, 'kafka.Kafka', props], (out) => /Kafka Server started/.test(out), 120_000);
  return { port, saslPort, stop };
}

/** The JDK 17 flags Cassandra needs, as infra/lib/cassandra.sh lists them (one list). */
function cassandraJdkFlags(): string[] {
  const script = `source ${JSON.stringify(join(REPO, 'infra/lib/cassandra.sh'))}; printf '%s\\n' "\${CASSANDRA_JDK17_FLAGS[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/**
 * A single Cassandra node whose native port speaks only TLS (client_encryption_options, PEM files),
 * requires a client certificate, and a password (PasswordAuthenticator, CASSANDRA_TEST_USER).
 */
export async function startTlsCassandra(ca: TestCa): Promise<RunningServer> {
  const lib = jarsOf('cassandra');
  const dir = join(ca.dir, 'cassandra');
  for (const sub of ['conf', 'logs', 'triggers', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const [port, storage, jmx] = [await freePort(), await freePort(), await freePort()];
  const yaml = readFileSync(join(REPO, 'infra/conf/cassandra.yaml'), 'utf8').replaceAll('@DIR@', dir).replaceAll('@NATIVE_PORT@', String(port)).replaceAll('@STORAGE_PORT@', String(storage))
    .replace('authenticator: AllowAllAuthenticator', 'authenticator: PasswordAuthenticator');
  const tls = [
    'client_encryption_options:',
    '  enabled: true',
    '  optional: false',
    '  require_client_auth: true',
    '  ssl_context_factory:',
    '    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory',
    `  keystore: ${serverBundle(ca)}`,
    `  truststore: ${ca.caFile}`,
    '',
  ];
  writeFileSync(join(dir, 'conf/cassandra.yaml'), `${yaml}\n${tls.join('\n')}`);
  writeFileSync(join(dir, 'conf/logback.xml'), readFileSync(join(REPO, 'infra/conf/cassandra-logback.xml')));
  const jamm = readdirSync(lib).find((f) => /^jamm-.*\.jar$/.test(f));
  if (!jamm) throw new Error(`no jamm jar in ${lib}`);
  const systemLog = join(dir, 'logs/system.log');
  const args = [
    '-Xms256m', '-Xmx768m', '-Xss256k', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError', '-XX:+PerfDisableSharedMem', '-Djava.net.preferIPv4Stack=true',
    ...cassandraJdkFlags(), `-javaagent:${join(lib, jamm)}`,
    `-Dcassandra.config=file://${join(dir, 'conf/cassandra.yaml')}`, `-Dlogback.configurationFile=${join(dir, 'conf/logback.xml')}`,
    `-Dcassandra.logdir=${join(dir, 'logs')}`, `-Dcassandra.storagedir=${dir}`, `-Dcassandra.triggers_dir=${join(dir, 'triggers')}`, `-Djna.tmpdir=${join(dir, 'tmp')}`,
    '-Dcassandra-foreground=yes', `-Dcassandra.jmx.local.port=${jmx}`,
    '-Dcassandra.skip_wait_for_gossip_to_settle=0', '-Dcassandra.ring_delay_ms=100', '-Dcassandra.superuser_setup_delay_ms=0',
    '-cp', `${join(dir, 'conf')}:${lib}/*`, 'org.apache.cassandra.service.CassandraDaemon',
  ];
  const listening = () => existsSync(systemLog) && /listening for CQL clients/.test(readFileSync(systemLog, 'utf8'));
  const stop = await startJvm('cassandra (TLS)', args, listening, 240_000);
  return { port, stop };
}
