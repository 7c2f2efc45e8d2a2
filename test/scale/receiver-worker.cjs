// A receiver process for the scale test (large-group.scale.ts forks 2-4 of these): it holds a few
// thousand member sockets, reconnects a member whose gateway dies to the next gateway and resumes
// with `sync` from the last seq it holds, and keeps compact per-member state instead of frames.
// Plain CommonJS so that child_process.fork runs it without a TypeScript loader.
//
// Per member it checks, as frames arrive (v1 contract, "Guarantees" 3):
// - every message frame is of the test's conversation, with a seq in 1..maxSeq and, for a seq, the
//   same message id that every other member of this worker saw;
// - on the first connection (opened before any message exists, so it does not sync) seqs arrive
//   1, 2, 3, ... with no gap, no repeat and nothing out of order;
// - on a resumed connection a seq at or below one already received on it is allowed only above
//   the after_seq of the sync it sent (the replay may overlap live copies), as the history checker;
// and it reports which seqs each member holds, so the parent can require every one of 1..N.
//
// Parent -> worker (IPC): {type:'start', id, gateways, conversationId, localAddresses, maxSeq,
// openConcurrency, clients:[{userId, token, gateway}]}, {type:'status', id, target},
// {type:'report', id, target}, {type:'close', id}. Every request is answered with {type:'reply', id, ...}.
'use strict';
const WebSocket = require('ws');

/** Violations kept per member (the rest are counted). */
const MAX_VIOLATIONS_KEPT = 3;
/** Reconnect attempts before a member gives up (each one waits a growing, jittered delay). */
const MAX_RECONNECT_ATTEMPTS = 60;
/** Sync retries after an error answer (e.g. UNAVAILABLE while the store is busy). */
const MAX_SYNC_RETRIES = 60;
const HANDSHAKE_TIMEOUT_MS = 30_000;
/** A member that sees no hello this long after the upgrade closes and tries again. */
const HELLO_TIMEOUT_MS = 60_000;

let config = null;
const members = [];
/** seq -> the message id first seen for it in this worker. */
const idBySeq = new Map();
let stopping = false;
/** Why reconnects and syncs failed, by reason, for the parent's log (bounded number of reasons). */
const failureReasons = new Map();

function countFailure(reason) {
  const key = reason.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 160);
  if (failureReasons.has(key) || failureReasons.size < 20) failureReasons.set(key, (failureReasons.get(key) || 0) + 1);
}

function backoffMs(attempt) {
  const base = Math.min(5_000, 250 * 2 ** attempt);
  return Math.round(base * (0.5 + Math.random() * 0.5));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The value of a JSON string field (`"name":"value"`) in a frame, read without parsing the frame. */
function stringField(buf, name) {
  const key = `"${name}":"`;
  const at = buf.indexOf(key);
  if (at < 0) return null;
  const start = at + key.length;
  const end = buf.indexOf(0x22, start);
  return end < 0 ? null : buf.toString('latin1', start, end);
}

/** The value of a JSON integer field (`"name":123`), or -1. */
function intField(buf, name) {
  const key = `"${name}":`;
  const at = buf.indexOf(key);
  if (at < 0) return -1;
  let n = 0;
  let digits = 0;
  for (let i = at + key.length; i < buf.length; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? -1 : n;
}

/** The frame's type: the server writes `type` first (`{"type":"message",...}`). */
function frameType(buf) {
  const prefix = '{"type":"';
  if (buf.length < prefix.length + 1 || buf.toString('latin1', 0, prefix.length) !== prefix) return null;
  const end = buf.indexOf(0x22, prefix.length);
  return end < 0 ? null : buf.toString('latin1', prefix.length, end);
}

class Member {
  constructor(spec, index) {
    this.userId = spec.userId;
    this.token = spec.token;
    this.gateway = spec.gateway;
    this.firstGateway = spec.gateway;
    this.localAddress = config.localAddresses[index % config.localAddresses.length];
    this.received = new Uint8Array(config.maxSeq + 1);
    this.contiguous = 0;
    this.connections = 0;
    this.ws = null;
    this.greeted = false;
    this.connMax = 0;
    this.syncFloor = null;
    this.syncing = false;
    this.syncRetries = 0;
    this.reconnecting = false;
    this.gaveUp = false;
    this.redeliveries = 0;
    this.syncs = 0;
    this.violationCount = 0;
    this.violations = [];
    this.closes = [];
    this.failedAttempts = 0;
    this.syncErrors = 0;
  }

  violation(text) {
    this.violationCount++;
    if (this.violations.length < MAX_VIOLATIONS_KEPT) this.violations.push(`connection ${this.connections}: ${text}`);
  }

  /** Opens one connection; resolves on hello, rejects if it closes or fails first. */
  connect() {
    return new Promise((resolve, reject) => {
      const url = config.gateways[this.gateway];
      const ws = new WebSocket(url, {
        headers: { authorization: `Bearer ${this.token}` },
        localAddress: this.localAddress,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        perMessageDeflate: false,
        skipUTF8Validation: true,
      });
      this.ws = ws;
      this.greeted = false;
      let settled = false;
      const helloTimer = setTimeout(() => {
        if (!settled) ws.terminate();
      }, HELLO_TIMEOUT_MS);
      const settle = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(helloTimer);
        if (err) reject(err);
        else resolve();
      };
      ws.on('unexpected-response', (_req, res) => {
        settle(new Error(`upgrade answered HTTP ${res.statusCode}`));
        res.resume();
        ws.terminate();
      });
      ws.on('error', (err) => settle(err));
      ws.on('message', (data) => {
        const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
        if (!this.greeted) {
          if (frameType(buf) !== 'hello') {
            this.violation(`first frame is not hello: ${buf.toString('utf8', 0, Math.min(buf.length, 200))}`);
            return;
          }
          this.greeted = true;
          this.connections++;
          this.connMax = 0;
          this.syncFloor = null;
          // The first connection exists before any message; a later one resumes from what it holds.
          if (this.connections > 1) this.startSync(this.contiguous);
          settle(null);
          return;
        }
        this.onFrame(buf);
      });
      ws.on('close', (code) => {
        settle(new Error(`closed with ${code} before hello`));
        if (this.ws !== ws) return;
        this.ws = null;
        const wasGreeted = this.greeted;
        this.greeted = false;
        this.syncing = false;
        if (stopping || !wasGreeted) return;
        if (this.closes.length < 4) this.closes.push(code);
        // The gateway went away: move to the next one and resume there.
        this.gateway = (this.gateway + 1) % config.gateways.length;
        void this.reconnect();
      });
    });
  }

  async reconnect() {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      for (let attempt = 0; attempt < MAX_RECONNECT_ATTEMPTS && !stopping; attempt++) {
        await sleep(backoffMs(attempt));
        if (stopping) return;
        try {
          await this.connect();
          return;
        } catch (err) {
          this.failedAttempts++;
          countFailure(err.message);
          if (attempt === MAX_RECONNECT_ATTEMPTS - 1) this.violation(`gave up reconnecting: ${err.message}`);
        }
      }
      this.gaveUp = !stopping;
    } finally {
      this.reconnecting = false;
    }
  }

  startSync(afterSeq) {
    this.syncing = true;
    this.syncFloor = this.syncFloor === null ? afterSeq : Math.min(this.syncFloor, afterSeq);
    this.syncs++;
    this.ws.send(JSON.stringify({ type: 'sync', conversation_id: config.conversationId, after_seq: afterSeq }));
  }

  onFrame(buf) {
    const type = frameType(buf);
    if (type === 'message') return this.onMessage(buf);
    if (type === 'sync.done') {
      const frame = JSON.parse(buf.toString('utf8'));
      if (frame.conversation_id !== config.conversationId) return this.violation(`sync.done of another conversation ${frame.conversation_id}`);
      if (frame.has_more) return this.startSync(frame.last_seq);
      this.syncing = false;
      this.syncRetries = 0;
      return;
    }
    if (type === 'error') {
      const frame = JSON.parse(buf.toString('utf8'));
      if (this.syncing && this.syncRetries < MAX_SYNC_RETRIES) {
        // The sync was refused (the store was busy): ask again from what is held now.
        this.syncRetries++;
        this.syncErrors++;
        countFailure(`sync answered ${frame.code}: ${frame.message}`);
        const ws = this.ws;
        setTimeout(() => {
          if (this.ws === ws && ws !== null && ws.readyState === WebSocket.OPEN) this.startSync(this.contiguous);
        }, backoffMs(this.syncRetries));
        return;
      }
      return this.violation(`error frame ${frame.code}: ${frame.message}`);
    }
    // presence, typing, read, conversation: none is expected for a member who only listens.
    if (type !== 'presence' && type !== 'typing' && type !== 'read') this.violation(`unexpected frame ${buf.toString('utf8', 0, Math.min(buf.length, 200))}`);
  }

  onMessage(buf) {
    const seq = intField(buf, 'seq');
    const conversationId = stringField(buf, 'conversation_id');
    const id = stringField(buf, 'id');
    if (conversationId !== config.conversationId) return this.violation(`message of another conversation ${conversationId}`);
    if (seq < 1 || seq > config.maxSeq) return this.violation(`message with seq ${seq} outside 1..${config.maxSeq}`);
    const known = idBySeq.get(seq);
    if (known === undefined) idBySeq.set(seq, id);
    else if (known !== id) this.violation(`seq ${seq} arrived as id ${id}, other members got id ${known}`);

    if (seq <= this.connMax) {
      if (this.syncFloor === null || seq <= this.syncFloor) this.violation(`seq ${seq} after seq ${this.connMax} (repeat or out of order)`);
    } else if (this.connections === 1 && seq !== this.connMax + 1) {
      this.violation(`gap: seq ${seq} after seq ${this.connMax}`);
    }
    if (seq > this.connMax) this.connMax = seq;

    if (this.received[seq] === 1) {
      this.redeliveries++;
      return;
    }
    this.received[seq] = 1;
    while (this.contiguous < config.maxSeq && this.received[this.contiguous + 1] === 1) this.contiguous++;
  }

  get open() {
    return this.ws !== null && this.greeted && this.ws.readyState === WebSocket.OPEN;
  }

  summary(target) {
    const missing = [];
    for (let s = 1; s <= target && missing.length < 5; s++) if (s > config.maxSeq || this.received[s] !== 1) missing.push(s);
    let extra = 0;
    for (let s = target + 1; s <= config.maxSeq; s++) if (this.received[s] === 1) extra++;
    return {
      userId: this.userId,
      firstGateway: this.firstGateway,
      gateway: this.gateway,
      open: this.open,
      connections: this.connections,
      closes: this.closes,
      contiguous: this.contiguous,
      missing,
      beyondTarget: extra,
      redeliveries: this.redeliveries,
      syncs: this.syncs,
      failedAttempts: this.failedAttempts,
      syncErrors: this.syncErrors,
      violationCount: this.violationCount,
      violations: this.violations,
    };
  }
}

async function openAll(specs, concurrency) {
  specs.forEach((spec, i) => members.push(new Member(spec, i)));
  let next = 0;
  const failures = [];
  const lanes = Array.from({ length: Math.min(concurrency, members.length) }, async () => {
    while (next < members.length && !stopping) {
      const m = members[next++];
      let lastError = null;
      for (let attempt = 0; attempt < 10 && !stopping; attempt++) {
        try {
          await m.connect();
          lastError = null;
          break;
        } catch (err) {
          lastError = err;
          await sleep(backoffMs(attempt));
        }
      }
      if (lastError !== null && failures.length < 10) failures.push(`${m.userId}: ${lastError.message}`);
    }
  });
  await Promise.all(lanes);
  return { opened: members.filter((m) => m.open).length, failures };
}

function status(target) {
  const onGateway = config.gateways.map(() => 0);
  let open = 0;
  let complete = 0;
  let reconnecting = 0;
  let syncing = 0;
  let gaveUp = 0;
  let violations = 0;
  let minContiguous = Number.MAX_SAFE_INTEGER;
  for (const m of members) {
    if (m.open) {
      open++;
      onGateway[m.gateway]++;
    }
    if (m.contiguous >= target) complete++;
    if (m.reconnecting) reconnecting++;
    if (m.syncing) syncing++;
    if (m.gaveUp) gaveUp++;
    violations += m.violationCount;
    minContiguous = Math.min(minContiguous, m.contiguous);
  }
  return { members: members.length, open, onGateway, complete, reconnecting, syncing, gaveUp, violations, minContiguous, rssBytes: process.memoryUsage().rss };
}

function reply(id, body) {
  if (process.connected) process.send({ type: 'reply', id, ...body });
}

process.on('message', (msg) => {
  if (msg === null || typeof msg !== 'object') return;
  switch (msg.type) {
    case 'start':
      config = { gateways: msg.gateways, conversationId: msg.conversationId, localAddresses: msg.localAddresses, maxSeq: msg.maxSeq };
      openAll(msg.clients, msg.openConcurrency).then(
        (result) => reply(msg.id, result),
        (err) => reply(msg.id, { error: String(err && err.stack ? err.stack : err) }),
      );
      return;
    case 'status':
      reply(msg.id, status(msg.target));
      return;
    case 'report':
      reply(msg.id, { members: members.map((m) => m.summary(msg.target)), idBySeq: [...idBySeq], failureReasons: [...failureReasons] });
      return;
    case 'close':
      stopping = true;
      for (const m of members) if (m.ws !== null) m.ws.terminate();
      reply(msg.id, { closed: members.length });
      setTimeout(() => process.exit(0), 200);
      return;
  }
});

// The parent is gone (it crashed or was killed): nothing is left to report to.
process.on('disconnect', () => process.exit(0));
