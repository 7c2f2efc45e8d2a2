import { randomBytes, randomUUID } from 'node:crypto';
import { LocalApns, startLocalApns } from '../../libs/adapters/src/testing/push/local-apns';
import type { ErrorFrame } from './contract';
import { ancestry, findTrace, jaegerEnv, type JaegerSpan, type JaegerTrace, serviceOf, tag } from './jaeger';
import { e2eTarget } from './parley-process';
import { e2eTest, useParley } from './suite';
import { closeAll, createDirect, makeWs, registerUser } from './users';
import { restOk } from './rest';
import { eventually } from './wait';
import type { TestSocket } from './ws-client';

/**
 * One trace per message (docs/adr/0007-tracing.md), read back from a real Jaeger: the sending
 * gateway's frame, the sequencer, fanout and the receiving gateway's publish, parent to child. The
 * mesh runs two gateways so that the sender's and the receiver's are different processes.
 *
 * Run once per context mode (ADR 0007, "Context at low ratios"): `async-hooks` follows every
 * await; `explicit` names each span's parent, and the trace must come out the same.
 */
export function tracingSuite(contextMode: 'async-hooks' | 'explicit'): void {
  const mesh = e2eTarget() === 'mesh';
  const run = randomUUID();
  const jaeger = jaegerEnv();
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    OTEL_RESOURCE_ATTRIBUTES: `parley.test_run=${run}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    PARLEY_TRACING_CONTEXT: contextMode,
    ...(mesh ? { PARLEY_MESH_GATEWAYS: '2' } : {}),
  };
  // A local APNs (the real adapter over HTTP/2 + TLS) so that the push path has a provider to trace.
  let apns: LocalApns;
  beforeAll(async () => {
    apns = await startLocalApns();
    Object.assign(env, apns.env, { PARLEY_PUSH_APNS_KEY_ID: 'E2EKEY0001', PARLEY_PUSH_APNS_TEAM_ID: 'E2ETEAM001', PARLEY_PUSH_APNS_TOPIC: 'com.example.parley', PARLEY_PUSH_COALESCE_MS: '100' });
  });
  const parley = useParley({ env });
  afterAll(() => apns?.stop());

  const GATEWAY = mesh ? 'parley-gateway' : 'parley';
  const service = (name: string) => (mesh ? `parley-${name}` : 'parley');

  function only(trace: JaegerTrace, what: string, pick: (s: JaegerSpan) => boolean): JaegerSpan {
    const found = trace.spans.filter(pick);
    if (found.length === 0) throw new Error(`no ${what} span yet (have: ${trace.spans.map((s) => `${serviceOf(trace, s).service}/${s.operationName}`).join(', ')})`);
    return found[0];
  }

  /** Fanout's consume span; the notification service consumes the same record under the same span name. */
  const isFanout = (s: JaegerSpan) => s.operationName === 'process parley.events.v1' && tag(s, 'messaging.consumer.group.name') !== 'parley-notification';

  const isError = (s: JaegerSpan) => tag(s, 'otel.status_code') === 'ERROR' || tag(s, 'error') === true;

  describe(`tracing (${contextMode} context): one trace per message in Jaeger`, () => {
    const sockets: TestSocket[] = [];
    afterEach(() => closeAll(sockets.splice(0)));

    e2eTest('a delivered message is one trace from the sending gateway through messaging and fanout to the receiving gateway', async () => {
      const [g1, g2] = [parley.current.gatewayUrls()[0], parley.current.gatewayUrls()[mesh ? 1 : 0]];
      const alice = await registerUser(g1.baseUrl, 'alice');
      const bob = await registerUser(g1.baseUrl, 'bob');
      const direct = await createDirect(g1.baseUrl, alice.accessToken, bob.user.id);
      const aliceWs = await makeWs(g1.wsUrl, alice.accessToken, { clientId: 'alice' });
      const bobWs = await makeWs(g2.wsUrl, bob.accessToken, { clientId: 'bob' });
      sockets.push(aliceWs, bobWs);

      const cmid = randomUUID();
      const ack = await aliceWs.sendMessage(direct.id, 'traced hello', cmid);
      await bobWs.waitFor((f) => f.type === 'message' && (f as { client_msg_id?: string }).client_msg_id === cmid, 'the message at bob');

      const trace = await findTrace(jaeger.query, GATEWAY, 'parley.client_msg_id', cmid, (t) => {
        only(t, 'ws send', (s) => s.operationName === 'ws send');
        only(t, 'sequencer', (s) => s.operationName === 'process parley.ingress.v1' && tag(s, 'parley.seq') !== undefined);
        only(t, 'fanout', isFanout);
        const deliveries = t.spans.filter((s) => s.operationName === 'process message.created');
        if (mesh && new Set(deliveries.map((s) => serviceOf(t, s).instance)).size < 2) throw new Error('not both gateways\' delivery spans yet');
        if (deliveries.length === 0) throw new Error('no gateway delivery span yet');
      });

      const root = only(trace, 'ws send', (s) => s.operationName === 'ws send');
      expect(serviceOf(trace, root).service).toBe(GATEWAY);
      expect(root.references.filter((r) => r.refType === 'CHILD_OF')).toEqual([]);
      expect(tag(root, 'parley.conversation_id')).toBe(direct.id);
      const sequenced = only(trace, 'sequencer', (s) => s.operationName === 'process parley.ingress.v1' && tag(s, 'parley.seq') !== undefined);
      expect(serviceOf(trace, sequenced).service).toBe(service('messaging'));
      expect(tag(sequenced, 'parley.seq')).toBe(ack.seq);
      expect(tag(sequenced, 'messaging.system')).toBe('kafka');
      const fanout = only(trace, 'fanout', isFanout);
      expect(serviceOf(trace, fanout).service).toBe(service('fanout'));

      // Parent to child, with nothing missing in between: frame → ingress producer → sequencer →
      // events producer → fanout → each gateway's delivery.
      expect(ancestry(trace, sequenced)).toEqual(['process parley.ingress.v1', 'send parley.ingress.v1', 'ws send']);
      expect(ancestry(trace, fanout)).toEqual(['process parley.events.v1', 'send parley.events.v1', 'process parley.ingress.v1', 'send parley.ingress.v1', 'ws send']);
      const deliveries = trace.spans.filter((s) => s.operationName === 'process message.created');
      for (const d of deliveries) {
        expect(serviceOf(trace, d).service).toBe(GATEWAY);
        expect(ancestry(trace, d).slice(0, 2)).toEqual(['process message.created', 'process parley.events.v1']);
        expect(ancestry(trace, d).at(-1)).toBe('ws send');
      }
      if (mesh) expect(new Set(deliveries.map((d) => serviceOf(trace, d).instance))).toEqual(new Set(['gateway', 'gateway-2']));
      // The explicit mode loads no library instrumentation (they would lose their parent after an
    // await): no database, Redis or gRPC client span; the async-hooks mode on the mesh has them.
    const librarySpans = trace.spans.filter((s) => tag(s, 'db.system') !== undefined || tag(s, 'db.system.name') !== undefined || tag(s, 'rpc.system') === 'grpc');
    if (contextMode === 'explicit') expect(librarySpans).toEqual([]);
    // Never a body: no span attribute holds the text.
      expect(JSON.stringify(trace)).not.toContain('traced hello');
      // Every span carries the resource attributes from OTEL_RESOURCE_ATTRIBUTES.
      for (const p of Object.values(trace.processes)) expect(p.tags).toContainEqual(expect.objectContaining({ key: 'parley.test_run', value: run }));

      // The sender's gateway's send → persisted histogram names this trace as an exemplar, in
      // OpenMetrics when the scraper asks for it (the plain text format has none).
      const url = (await parley.current.metricsUrls())[mesh ? 'gateway' : 'standalone'];
      const om = await fetch(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0;q=0.6,text/plain;version=0.0.4;q=0.3' } });
      expect(om.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
      const traceId = trace.traceID.padStart(32, '0');
      expect(await om.text()).toMatch(new RegExp(`^parley_gateway_send_persisted_seconds_bucket\\{[^}]*transport="ws"[^}]*\\} [1-9]\\d* # \\{trace_id="${traceId}",span_id="[0-9a-f]{16}"\\} [0-9.e-]+ [0-9.]+$`, 'm'));
      const text = await (await fetch(url)).text();
      expect(text).toMatch(/^parley_gateway_send_persisted_seconds_bucket\{/m);
      expect(text).not.toContain(traceId);
    });

    e2eTest('a refused send (not a member) is a trace whose sequencer and gateway spans have an error status', async () => {
      const g1 = parley.current.gatewayUrls()[0];
      const alice = await registerUser(g1.baseUrl, 'alice');
      const bob = await registerUser(g1.baseUrl, 'bob');
      const mallory = await registerUser(g1.baseUrl, 'mallory');
      const direct = await createDirect(g1.baseUrl, alice.accessToken, bob.user.id);
      const malloryWs = await makeWs(g1.wsUrl, mallory.accessToken, { clientId: 'mallory' });
      sockets.push(malloryWs);
      const cmid = malloryWs.sendFrameOnly(direct.id, 'let me in');
      await malloryWs.waitFor<ErrorFrame>((f) => f.type === 'error' && f.client_msg_id === cmid, 'FORBIDDEN error');

      const trace = await findTrace(jaeger.query, GATEWAY, 'parley.client_msg_id', cmid, (t) => {
        only(t, 'sequencer', (s) => s.operationName === 'process parley.ingress.v1' && tag(s, 'parley.client_msg_id') === cmid);
        const rejection = only(t, 'gateway rejection', (s) => s.operationName === 'process send.rejected');
        // Spans reach Jaeger in batches: wait until the rejection's whole ancestry is there.
        if (ancestry(t, rejection).at(-1) !== 'ws send') throw new Error('the rejection\'s ancestry is not all in Jaeger yet');
      });
      const sequenced = only(trace, 'sequencer', (s) => s.operationName === 'process parley.ingress.v1' && tag(s, 'parley.client_msg_id') === cmid);
      expect(isError(sequenced)).toBe(true);
      expect(String(tag(sequenced, 'otel.status_description'))).toContain('FORBIDDEN');
      expect(tag(sequenced, 'parley.seq')).toBeUndefined();
      const rejected = only(trace, 'gateway rejection', (s) => s.operationName === 'process send.rejected');
      expect(isError(rejected)).toBe(true);
      expect(ancestry(trace, rejected).at(-1)).toBe('ws send');
      expect(trace.spans.filter((s) => s.operationName === 'store message')).toEqual([]);
    });

    e2eTest('a message to an offline member with a device: the push is part of its trace, from the notification consumer to the provider call', async () => {
      const g1 = parley.current.gatewayUrls()[0];
      const alice = await registerUser(g1.baseUrl, 'alice');
      const bob = await registerUser(g1.baseUrl, 'bob');
      const device = randomBytes(32).toString('hex');
      await restOk(g1.baseUrl, 'POST', '/v1/me/devices', 200, { token: bob.accessToken, json: { platform: 'apns', token: device, app_id: 'com.example.parley' } });
      const direct = await createDirect(g1.baseUrl, alice.accessToken, bob.user.id);
      const aliceWs = await makeWs(g1.wsUrl, alice.accessToken, { clientId: 'alice' });
      sockets.push(aliceWs);
      const cmid = randomUUID();
      await aliceWs.sendMessage(direct.id, 'pushed secret', cmid);
      await eventually('the push at the local APNs', async () => {
        if (!apns.apns.requests.some((r) => r.token === device)) throw new Error('no push yet');
      }, 20_000);

      const isAdmission = (s: JaegerSpan) => s.operationName === 'process parley.events.v1' && tag(s, 'messaging.consumer.group.name') === 'parley-notification';
      const trace = await findTrace(jaeger.query, GATEWAY, 'parley.client_msg_id', cmid, (t) => {
        only(t, 'notification admission', isAdmission);
        only(t, 'outbox row', (s) => s.operationName === 'process push_outbox');
        only(t, 'provider call', (s) => s.operationName === 'apns/send');
      });
      const admission = only(trace, 'notification admission', isAdmission);
      expect(serviceOf(trace, admission).service).toBe(service('notification'));
      expect(tag(admission, 'parley.conversation_id')).toBe(direct.id);
      expect(tag(admission, 'parley.push.recipients')).toBe(1);
      expect(ancestry(trace, admission)).toEqual(['process parley.events.v1', 'send parley.events.v1', 'process parley.ingress.v1', 'send parley.ingress.v1', 'ws send']);
      const row = only(trace, 'outbox row', (s) => s.operationName === 'process push_outbox');
      expect(tag(row, 'parley.push.kind')).toBe('alert');
      // The batch that claimed the row is a trace of its own, linked from the row.
      expect(row.references.some((r) => r.refType === 'FOLLOWS_FROM' && r.traceID !== trace.traceID)).toBe(true);
      const call = only(trace, 'provider call', (s) => s.operationName === 'apns/send');
      expect(serviceOf(trace, call).service).toBe(service('notification'));
      expect(tag(call, 'span.kind')).toBe('client');
      expect(tag(call, 'rpc.system')).toBe('apns');
      expect(tag(call, 'parley.push.outcome')).toBe('accepted');
      expect(ancestry(trace, call).slice(0, 4)).toEqual(['apns/send', 'process push_outbox', 'process parley.events.v1', 'send parley.events.v1']);
      expect(ancestry(trace, call).at(-1)).toBe('ws send');
      // Never a body or a device token.
      const all = JSON.stringify(trace);
      expect(all).not.toContain('pushed secret');
      expect(all).not.toContain(device);
    });
  });
}
