import type { Context } from '@opentelemetry/api';
import { contextOf, Logger } from '@parley/observability';
import { AuthApi, MembershipDirectory, PushMessage, PushOutcome, PushProviders, RelationalDb } from '@parley/ports';
import { DueRow, PushOutboxRepository } from '../storage/push-outbox.repository';
import { backoffMs, CircuitBreaker } from './circuit-breaker';
import { PushMetrics } from './push-metrics';
import { batchSpan, providerSpan, rowSpan } from './push-tracing';

export interface DispatcherOptions {
  coalesceMs: number;
  pollMs: number;
  /** Rows claimed at most at a time. */
  batch: number;
  /** Rows in flight at most, over the batches being sent. */
  maxInFlight: number;
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  /** Ledger rows older than this are forgotten. */
  ledgerMaxAgeMs: number;
}

interface Device {
  user_id: string;
  token: string;
  platform: PushMessage['platform'];
  app_id: string;
  sandbox: boolean;
}

/** What one claimed batch needs from the database, read with one query each. */
interface BatchContext {
  devices: Map<string, Device[]>;
  silenced: Set<string>;
  hidePreviews: Set<string>;
}

type RowResult = { row: DueRow; kind: 'alert' | 'clear' } | { row: DueRow; kind: 'retry'; delayMs: number; accepted: string[] };

const PREVIEW_MAX = 180;
const preview = (text: string) => (text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX - 1)}…` : text);
const pair = (userId: string, conversationId: string) => `${userId}\u0000${conversationId}`;

/**
 * Drains push_state: claims due rows, builds one collapsed notification per (user, conversation),
 * sends it to each of the user's devices through the provider of its platform, and records the
 * results. Each claimed batch costs a fixed number of statements (claim, three reads, two updates),
 * not a number per push. Runs on its own timer: providers never hold up the message path, and a
 * slow provider holds only the batch it is in (the next rounds claim other rows meanwhile).
 */
export class PushDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastHousekeeping = 0;
  private inFlightRows = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly names = new Map<string, string>();

  constructor(
    private readonly db: RelationalDb,
    private readonly outbox: PushOutboxRepository,
    private readonly members: MembershipDirectory,
    private readonly auth: Pick<AuthApi, 'getUser'>,
    private readonly providers: PushProviders,
    private readonly metrics: PushMetrics,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.all([...this.inFlight]);
  }

  /** One round, waiting for every push it started (tests and benches). Returns the rows handled. */
  async runOnce(): Promise<number> {
    const n = await this.tick();
    await Promise.all([...this.inFlight]);
    return n;
  }

  private async tick(): Promise<number> {
    const room = Math.min(this.options.batch, this.options.maxInFlight - this.inFlightRows);
    const rows = room > 0 ? await this.outbox.claim(room, this.options.leaseMs) : [];
    if (rows.length > 0) {
      this.inFlightRows += rows.length;
      const p: Promise<void> = this.dispatchBatch(rows)
        .catch((err) => this.batchFailed(rows, err))
        .finally(() => {
          this.inFlightRows -= rows.length;
          this.inFlight.delete(p);
        });
      this.inFlight.add(p);
    }
    if (Date.now() - this.lastHousekeeping > 1000) {
      this.lastHousekeeping = Date.now();
      this.metrics.depth.set(await this.outbox.depth());
      await this.outbox.prune(this.options.ledgerMaxAgeMs);
    }
    return rows.length;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then((n) => this.schedule(n > 0 && this.inFlightRows < this.options.maxInFlight ? 0 : this.options.pollMs))
        .catch((err) => {
          this.logger.warn('push dispatch round failed', { err });
          this.schedule(this.options.pollMs * 5);
        });
    }, delayMs);
  }

  private async batchFailed(rows: DueRow[], err: unknown): Promise<void> {
    this.logger.warn('push dispatch failed', { err, rows: rows.length });
    for (const row of rows) {
      await this.outbox.retryLater(row, backoffMs(row.attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, undefined), row.accepted_tokens).catch(() => undefined);
    }
  }

  private async dispatchBatch(rows: DueRow[]): Promise<void> {
    await batchSpan(rows.map((r) => r.traceparents[0]), (span) => this.dispatchTraced(rows, contextOf(span)));
  }

  private async dispatchTraced(rows: DueRow[], batch: Context): Promise<void> {
    const ctx = await this.context(rows);
    const results = await Promise.all(
      rows.map((row) => {
        const attributes = { 'parley.conversation_id': row.conversation_id, 'parley.seq': row.pending > 0 ? row.last_seq : row.pushed_seq, 'parley.push.kind': row.pending > 0 ? 'alert' : 'clear', 'parley.push.count': row.pending };
        return rowSpan(row.traceparents, batch, attributes, (span) => this.dispatch(row, ctx, contextOf(span)));
      }),
    );
    await this.outbox.alertsDone(results.filter((r) => r.kind === 'alert').map((r) => r.row), this.options.coalesceMs);
    await this.outbox.clearsDone(results.filter((r) => r.kind === 'clear').map((r) => r.row));
    for (const r of results) if (r.kind === 'retry') await this.outbox.retryLater(r.row, r.delayMs, r.accepted);
  }

  /**
   * The batch's devices and preview preferences are plain reads of a few users (the model API);
   * the settings that silence a (user, conversation) pair are matched against the batch's pairs
   * in one hand-written statement through the same client (a join on `unnest` of both columns).
   */
  private async context(rows: DueRow[]): Promise<BatchContext> {
    const users = [...new Set(rows.map((r) => r.user_id))];
    const alerts = rows.filter((r) => r.pending > 0);
    const devices = new Map<string, Device[]>();
    const found = await this.db.run((c) =>
      c.pushDevice.findMany({
        where: { userId: { in: users } },
        orderBy: [{ userId: 'asc' }, { createdAt: 'asc' }],
        select: { userId: true, token: true, platform: true, appId: true, sandbox: true },
      }),
    );
    for (const d of found) {
      const list = devices.get(d.userId) ?? [];
      // Written only from the contract's validated platforms.
      if (list.length < 20) list.push({ user_id: d.userId, token: d.token, platform: d.platform as PushMessage['platform'], app_id: d.appId, sandbox: d.sandbox });
      devices.set(d.userId, list);
    }
    // Settings may change between a message and its push: a mute or `none` set meanwhile wins.
    const [alertUsers, alertConversations] = [alerts.map((r) => r.user_id), alerts.map((r) => r.conversation_id)];
    const silenced: { user_id: string; conversation_id: string }[] =
      alerts.length === 0
        ? []
        : await this.db.run(
            (c) => c.$queryRaw<{ user_id: string; conversation_id: string }[]>`SELECT s.user_id, s.conversation_id FROM push_conversation_settings s
               JOIN unnest(${alertUsers}::text[], ${alertConversations}::text[]) AS d(u, c) ON s.user_id = d.u AND s.conversation_id = d.c
              WHERE s.level = 'none' OR (s.muted_until IS NOT NULL AND s.muted_until > now())`,
          );
    const hidden: { userId: string }[] = alerts.length === 0 ? [] : await this.db.run((c) => c.pushPref.findMany({ where: { userId: { in: users }, hidePreviews: true }, select: { userId: true } }));
    return {
      devices,
      silenced: new Set(silenced.map((r) => pair(r.user_id, r.conversation_id))),
      hidePreviews: new Set(hidden.map((r) => r.userId)),
    };
  }

  /** One row's push; `trace` is its span's context, the parent of each provider call. */
  private async dispatch(row: DueRow, ctx: BatchContext, trace: Context): Promise<RowResult> {
    const kind = row.pending > 0 ? 'alert' : 'clear';
    try {
      const devices = ctx.devices.get(row.user_id) ?? [];
      if ((kind === 'clear' && !row.clear_due) || devices.length === 0 || (kind === 'alert' && ctx.silenced.has(pair(row.user_id, row.conversation_id)))) return { row, kind };
      const message = await this.build(row, kind, ctx.hidePreviews.has(row.user_id));
      return await this.sendToDevices(row, kind, message, devices, trace);
    } catch (err) {
      this.logger.warn('push dispatch failed', { err, user_id: row.user_id, conversation_id: row.conversation_id });
      return { row, kind: 'retry', delayMs: backoffMs(row.attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, undefined), accepted: row.accepted_tokens };
    }
  }

  private async sendToDevices(row: DueRow, kind: 'alert' | 'clear', message: Omit<PushMessage, 'platform' | 'token' | 'app_id' | 'sandbox'>, devices: Device[], trace: Context): Promise<RowResult> {
    const accepted = new Set(row.accepted_tokens);
    let retryAfter: number | undefined;
    let mustRetry = false;
    let observed = false;
    for (const device of devices) {
      if (accepted.has(device.token)) continue;
      const provider = this.providers[device.platform];
      if (!provider) {
        this.metrics.dropped.inc({ reason: 'no_provider' });
        continue;
      }
      const breaker = this.breakerOf(provider.name);
      if (!breaker.allow()) {
        this.metrics.sent.inc({ provider: provider.name, kind, outcome: 'breaker_open' });
        mustRetry = true;
        retryAfter = Math.max(retryAfter ?? 0, breaker.retryInMs());
        continue;
      }
      const outcome = await providerSpan(trace, provider.name, device.platform, kind, () =>
        provider
          .send({ ...message, platform: device.platform, token: device.token, app_id: device.app_id, sandbox: device.sandbox })
          .catch((err: unknown): PushOutcome => ({ status: 'retry', reason: err instanceof Error ? err.message : String(err) })),
      );
      this.metrics.sent.inc({ provider: provider.name, kind, outcome: outcome.status.replace('-', '_') });
      if (outcome.status === 'retry') {
        breaker.failure();
        mustRetry = true;
        retryAfter = Math.max(retryAfter ?? 0, outcome.retryAfterMs ?? 0);
        this.logger.debug('push will be retried', { provider: provider.name, reason: outcome.reason });
        continue;
      }
      breaker.success();
      if (outcome.status === 'accepted') {
        accepted.add(device.token);
        if (!observed && kind === 'alert' && row.first_persisted_at) {
          observed = true;
          this.metrics.persistedToAccepted.observe({ provider: provider.name }, Math.max(0, Date.now() - Date.parse(row.first_persisted_at)) / 1000);
        }
      } else if (outcome.status === 'dead-token') {
        await this.db.run((c) => c.pushDevice.deleteMany({ where: { token: device.token } }));
        this.logger.info('push token removed', { provider: provider.name, reason: outcome.reason, user_id: row.user_id });
      } else {
        this.logger.warn('push rejected', { provider: provider.name, reason: outcome.reason, user_id: row.user_id });
      }
    }
    if (mustRetry && row.attempts + 1 < this.options.maxAttempts) {
      return { row, kind: 'retry', delayMs: backoffMs(row.attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, retryAfter), accepted: [...accepted] };
    }
    if (mustRetry) this.metrics.dropped.inc({ reason: 'attempts_exhausted' });
    return { row, kind };
  }

  private async build(row: DueRow, kind: 'alert' | 'clear', hide: boolean): Promise<Omit<PushMessage, 'platform' | 'token' | 'app_id' | 'sandbox'>> {
    const ctx = await this.members.pushContext(row.user_id, row.conversation_id);
    const base = { kind, collapse_id: `c:${row.conversation_id}`.slice(0, 64), badge: ctx.unread_total, data: { conversation_id: row.conversation_id, seq: String(kind === 'alert' ? row.last_seq : row.pushed_seq) } };
    if (kind === 'clear') return { ...base, title: '', body: '', count: 0 };
    const sender = await this.senderName(row.sender_id);
    const title = ctx.title ?? sender;
    const text = hide ? 'New message' : ctx.title ? `${sender}: ${preview(row.preview)}` : preview(row.preview);
    return { ...base, title, body: row.pending > 1 && !hide ? `${text} (+${row.pending - 1})` : text, count: row.pending };
  }

  private async senderName(userId: string): Promise<string> {
    const known = this.names.get(userId);
    if (known) return known;
    const user = await this.auth.getUser(userId).catch(() => null);
    const name = user?.display_name || user?.username || 'Someone';
    if (this.names.size > 10_000) this.names.clear();
    this.names.set(userId, name);
    return name;
  }

  private breakerOf(name: string): CircuitBreaker {
    let b = this.breakers.get(name);
    if (!b) this.breakers.set(name, (b = new CircuitBreaker(this.options.breakerThreshold, this.options.breakerOpenMs)));
    return b;
  }
}
