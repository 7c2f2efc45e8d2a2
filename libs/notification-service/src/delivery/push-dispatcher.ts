import { Logger } from '@parley/observability';
import { AuthApi, MembershipDirectory, PushMessage, PushOutcome, PushProviders, SqlDb } from '@parley/ports';
import { DueRow, PushOutboxRepository } from '../storage/push-outbox.repository';
import { backoffMs, CircuitBreaker } from './circuit-breaker';
import { PushMetrics } from './push-metrics';

export interface DispatcherOptions {
  coalesceMs: number;
  pollMs: number;
  batch: number;
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
  token: string;
  platform: PushMessage['platform'];
  app_id: string;
  sandbox: boolean;
}

const PREVIEW_MAX = 180;
const preview = (text: string) => (text.length > PREVIEW_MAX ? `${text.slice(0, PREVIEW_MAX - 1)}…` : text);

/**
 * Drains push_state: claims due rows, builds one collapsed notification per (user, conversation),
 * sends it to each of the user's devices through the provider of its platform, and records the
 * result. Runs on its own timer: providers never hold up the message path.
 */
export class PushDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastHousekeeping = 0;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly names = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: SqlDb,
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

  /**
   * Claims as many due rows as there is room for and starts them; a slow provider holds only its
   * own rows (at most `batch` at a time), never the next round.
   */
  private async tick(): Promise<number> {
    const room = this.options.batch - this.inFlight.size;
    const rows = room > 0 ? await this.outbox.claim(room, this.options.leaseMs) : [];
    for (const row of rows) {
      const p: Promise<void> = this.dispatch(row)
        .catch((err) => this.failedRow(row, err))
        .finally(() => this.inFlight.delete(p));
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
        .then((n) => this.schedule(n > 0 && this.inFlight.size < this.options.batch ? 0 : this.options.pollMs))
        .catch((err) => {
          this.logger.warn('push dispatch round failed', { err });
          this.schedule(this.options.pollMs * 5);
        });
    }, delayMs);
  }

  private async failedRow(row: DueRow, err: unknown): Promise<void> {
    this.logger.warn('push dispatch failed', { err, user_id: row.user_id, conversation_id: row.conversation_id });
    await this.outbox.retryLater(row, backoffMs(row.attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, undefined), row.accepted_tokens).catch(() => undefined);
  }

  private async dispatch(row: DueRow): Promise<void> {
    const kind = row.pending > 0 ? 'alert' : row.clear_due ? 'clear' : null;
    const done = () => (kind === 'alert' ? this.outbox.alertDone(row, this.options.coalesceMs) : this.outbox.clearDone(row));
    const devices = kind === null ? [] : await this.devicesOf(row.user_id);
    if (devices.length === 0 || (kind === 'alert' && (await this.silenced(row.user_id, row.conversation_id)))) return done();
    const message = await this.build(row, kind ?? 'clear');
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
        this.metrics.sent.inc({ provider: provider.name, kind: message.kind, outcome: 'breaker_open' });
        mustRetry = true;
        retryAfter = Math.max(retryAfter ?? 0, breaker.retryInMs());
        continue;
      }
      const outcome = await provider
        .send({ ...message, platform: device.platform, token: device.token, app_id: device.app_id, sandbox: device.sandbox })
        .catch((err: unknown): PushOutcome => ({ status: 'retry', reason: err instanceof Error ? err.message : String(err) }));
      this.metrics.sent.inc({ provider: provider.name, kind: message.kind, outcome: outcome.status.replace('-', '_') });
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
        if (!observed && message.kind === 'alert' && row.first_persisted_at) {
          observed = true;
          this.metrics.persistedToAccepted.observe({ provider: provider.name }, Math.max(0, Date.now() - Date.parse(row.first_persisted_at)) / 1000);
        }
      } else if (outcome.status === 'dead-token') {
        await this.db.query(`DELETE FROM push_devices WHERE token = $1`, [device.token]);
        this.logger.info('push token removed', { provider: provider.name, reason: outcome.reason, user_id: row.user_id });
      } else {
        this.logger.warn('push rejected', { provider: provider.name, reason: outcome.reason, user_id: row.user_id });
      }
    }
    if (mustRetry && row.attempts + 1 < this.options.maxAttempts) {
      return this.outbox.retryLater(row, backoffMs(row.attempts, this.options.backoffBaseMs, this.options.backoffMaxMs, retryAfter), [...accepted]);
    }
    if (mustRetry) this.metrics.dropped.inc({ reason: 'attempts_exhausted' });
    return done();
  }

  private async build(row: DueRow, kind: 'alert' | 'clear'): Promise<Omit<PushMessage, 'platform' | 'token' | 'app_id' | 'sandbox'>> {
    const ctx = await this.members.pushContext(row.user_id, row.conversation_id);
    const base = { kind, collapse_id: `c:${row.conversation_id}`.slice(0, 64), badge: ctx.unread_total, data: { conversation_id: row.conversation_id, seq: String(kind === 'alert' ? row.last_seq : row.pushed_seq) } };
    if (kind === 'clear') return { ...base, title: '', body: '', count: 0 };
    const hide = (await this.db.query<{ hide_previews: boolean }>(`SELECT hide_previews FROM push_prefs WHERE user_id = $1`, [row.user_id])).rows[0]?.hide_previews ?? false;
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

  private async devicesOf(userId: string): Promise<Device[]> {
    return (await this.db.query<Device>(`SELECT token, platform, app_id, sandbox FROM push_devices WHERE user_id = $1 ORDER BY created_at LIMIT 20`, [userId])).rows;
  }

  /** Settings may change between the message and its push: a mute or `none` set meanwhile wins. */
  private async silenced(userId: string, conversationId: string): Promise<boolean> {
    const r = await this.db.query<{ silenced: boolean }>(
      `SELECT (level = 'none' OR (muted_until IS NOT NULL AND muted_until > now())) AS silenced FROM push_conversation_settings WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId],
    );
    return r.rows[0]?.silenced ?? false;
  }

  private breakerOf(name: string): CircuitBreaker {
    let b = this.breakers.get(name);
    if (!b) this.breakers.set(name, (b = new CircuitBreaker(this.options.breakerThreshold, this.options.breakerOpenMs)));
    return b;
  }
}
