import { DomainError, unavailable, validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { PrismaRelationalDb, RelationalDb, SqlDb, SqlQueryable, SqlResult } from '@parley/ports';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { messageOf, unavailableFrom, withTimeout } from '../shared/adapter-errors';
import { checkPositiveInteger } from '@parley/ports';
import { parleyTypeParsers } from './pg-type-parsers';

export interface PgSqlDbOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /** Connections held at most. */
  maxConnections?: number;
  /** How long a call waits for a connection (opening one, or a free one from a busy pool). */
  connectTimeoutMs?: number;
  /** Server-side bound on one statement (statement_timeout). */
  statementTimeoutMs?: number;
  /** Client-side bound on waiting for an answer, for a server that stopped answering. Above statementTimeoutMs. */
  queryTimeoutMs?: number;
  /** Server-side bound on a transaction left idle (a stuck caller must not hold locks forever). */
  idleInTransactionTimeoutMs?: number;
  /** Calls in flight or waiting for a connection, over which calls answer UNAVAILABLE at once. */
  maxPending?: number;
  /** Bound on healthy()'s SELECT 1. */
  healthTimeoutMs?: number;
  /** Idle connections are closed after this long. */
  idleTimeoutMs?: number;
  /** The Postgres schema the tables live in (default public): each connection's search_path, and Prisma's. */
  schema?: string;
  logger?: Logger;
}

const DEFAULTS = {
  maxConnections: 10,
  connectTimeoutMs: 3000,
  statementTimeoutMs: 15_000,
  queryTimeoutMs: 20_000,
  idleInTransactionTimeoutMs: 60_000,
  maxPending: 1000,
  healthTimeoutMs: 1000,
  idleTimeoutMs: 30_000,
};

/** pg reads these from a query's config; @types/pg does not declare them. */
interface PgQueryConfig extends QueryConfig<unknown[]> {
  /** 'extended': one statement per query, parameters never spliced into text (like PGlite's query). */
  queryMode?: 'extended';
  query_timeout?: number;
}

/**
 * SQLSTATEs that say the server or the connection is the problem, not the statement: connection
 * exceptions (08xxx), shutdown (57P01..57P03), too many connections (53300), and a statement
 * cancelled by statement_timeout (57014).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|57014)$/;
/** Node socket and pg client errors that mean the server could not be reached or stopped answering. */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /connection terminated/i, /query read timeout/i, /connection.*(ended|closed)/i, /not queryable/i];

/**
 * SqlDb on a Postgres server through a bounded node-postgres pool.
 *
 * - A server that is down or stops answering surfaces as DomainError UNAVAILABLE within
 *   connectTimeoutMs (no connection) or queryTimeoutMs (no answer); nothing waits unbounded, and
 *   more than maxPending calls at once are refused rather than queued.
 * - Statement errors keep Postgres's SQLSTATE in `code` (a unique violation is '23505').
 * - Values parse as on PGlite (int8 as number, date as UTC midnight; see pg-type-parsers.ts).
 * - `query` uses the extended protocol (one statement, `$n` parameters); `exec` uses the simple
 *   protocol, which runs a script of several statements.
 * - `transaction` holds one connection for BEGIN ... COMMIT, and ROLLBACK when `fn` throws; a
 *   connection whose ROLLBACK failed is discarded, never returned to the pool.
 */
export class PgSqlDb implements SqlDb {
  private readonly pool: Pool;
  private readonly settings: typeof DEFAULTS;
  private readonly schema: string | undefined;
  private readonly logger: Logger;
  private pending = 0;
  private prisma: PrismaRelationalDb | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(options: PgSqlDbOptions) {
    if (typeof options?.connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(options.connectionString)) {
      throw validationFailed('connectionString must be a postgres:// URL');
    }
    const s = { ...DEFAULTS };
    for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const value = options[name];
      if (value === undefined) continue;
      checkPositiveInteger(name, value);
      s[name] = value;
    }
    if (s.queryTimeoutMs <= s.statementTimeoutMs) throw validationFailed('queryTimeoutMs must be above statementTimeoutMs');
    this.settings = s;
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw validationFailed('schema must be a lower-case SQL identifier');
    this.schema = options.schema;
    this.logger = options.logger ?? defaultAdapterLogger('postgres');
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: s.maxConnections,
      connectionTimeoutMillis: s.connectTimeoutMs,
      idleTimeoutMillis: s.idleTimeoutMs,
      statement_timeout: s.statementTimeoutMs,
      query_timeout: s.queryTimeoutMs,
      idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs,
      keepAlive: true,
      application_name: 'parley',
      types: parleyTypeParsers,
      ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}),
    });
    // An idle connection that the server drops emits here; without a listener Node would crash.
    this.pool.on('error', (error) => this.logger.warn('idle postgres connection failed', { err: error }));
  }

  async query<R = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
    checkText(text);
    if (!Array.isArray(params)) throw validationFailed('params must be an array');
    return this.run(async () => toResult<R>(await this.pool.query(statement(text, params)).catch(rethrowMapped)));
  }

  async exec(script: string): Promise<void> {
    checkText(script);
    await this.run(() => this.pool.query(script).catch(rethrowMapped));
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    if (typeof fn !== 'function') throw validationFailed('transaction needs a function');
    return this.run(async () => {
      const client = await this.pool.connect().catch(rethrowMapped);
      let finished = false;
      const tx: SqlQueryable = {
        query: async <R>(text: string, params: readonly unknown[] = []) => {
          if (finished) throw new Error('this transaction has already finished');
          checkText(text);
          return toResult<R>(await client.query(statement(text, params)).catch(rethrowMapped));
        },
      };
      try {
        await client.query('BEGIN').catch(rethrowMapped);
        const value = await fn(tx);
        await client.query('COMMIT').catch(rethrowMapped);
        finished = true;
        client.release();
        return value;
      } catch (error) {
        // fn's own errors reach the caller unchanged; the driver's were mapped where they arose.
        finished = true;
        await this.rollback(client);
        throw error;
      }
    });
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const config: PgQueryConfig = { text: 'SELECT 1', query_timeout: this.settings.healthTimeoutMs };
      await withTimeout(this.pool.query(config), this.settings.healthTimeoutMs, 'postgres health check');
      return true;
    } catch (error) {
      this.logger.debug('postgres health check failed', { err: error });
      return false;
    }
  }

  /**
   * Prisma Client on this adapter's pool (@prisma/adapter-pg): the same connections, bounds and
   * session settings (statement and idle-in-transaction timeouts); it parses values itself.
   */
  relational(): RelationalDb {
    if (this.closed) throw unavailable('postgres adapter is closed');
    this.prisma ??= new PrismaRelationalDb(new PrismaPg(this.pool, this.schema ? { schema: this.schema } : undefined), { transactionMaxWaitMs: this.settings.connectTimeoutMs, transactionTimeoutMs: this.settings.queryTimeoutMs });
    return this.prisma;
  }

  /** Waits for the calls in flight, then closes every connection. Later calls answer UNAVAILABLE. */
  close(): Promise<void> {
    this.closed = true;
    const prisma = this.prisma;
    this.prisma = null;
    this.closing ??= (async () => {
      await prisma?.close();
      await this.pool.end();
    })();
    return this.closing;
  }

  /** Counts the call against maxPending: past it, calls are refused instead of queued. */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) throw unavailable('postgres adapter is closed');
    if (this.pending >= this.settings.maxPending) throw unavailable(`postgres: ${this.pending} calls pending, refusing more`);
    this.pending++;
    try {
      return await operation();
    } finally {
      this.pending--;
    }
  }

  private async rollback(client: PoolClient): Promise<void> {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (error) {
      // The connection's state is unknown: destroy it rather than hand it to the next caller.
      this.logger.warn('postgres rollback failed, discarding the connection', { err: error });
      client.release(error instanceof Error ? error : new Error(messageOf(error)));
    }
  }
}

function statement(text: string, params: readonly unknown[]): PgQueryConfig {
  return { text, values: [...params], queryMode: 'extended' };
}

function toResult<R>(r: QueryResult): SqlResult<R> {
  const rows = r.rows as R[];
  return { rows, rowCount: Math.max(r.rowCount ?? 0, rows.length) };
}

function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string' || text.trim().length === 0) throw validationFailed('SQL text must be a non-empty string');
}

function rethrowMapped(error: unknown): never {
  throw mapPgError(error);
}

/** Connection-level failures become UNAVAILABLE; statement errors (with their SQLSTATE) pass through. */
export function mapPgError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) {
    return unavailableFrom('postgres', error);
  }
  if (typeof code !== 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(messageOf(error)))) {
    return unavailableFrom('postgres', error);
  }
  if (error instanceof AggregateError) return unavailableFrom('postgres', error);
  return error;
}
