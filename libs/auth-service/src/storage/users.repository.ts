import { Inject, Injectable } from '@nestjs/common';
import { User } from '@parley/domain';
import { SQL_DB, SqlDb, SqlQueryable } from '@parley/ports';
import { toIso } from './sql-values';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  created_at: unknown;
}

export interface NewUser {
  id: string;
  /** Already normalized (lower case). */
  username: string;
  displayName: string;
  passwordHash: string;
}

const USER_COLUMNS = 'id, username, display_name, created_at';

/** Ids per `= ANY($1)` query: keeps each statement's parameter bounded. */
const IDS_PER_QUERY = 1000;

@Injectable()
export class UsersRepository {
  constructor(@Inject(SQL_DB) private readonly db: SqlDb) {}

  /** Throws a unique violation when the username is taken (the index decides races). */
  async insert(q: SqlQueryable, u: NewUser): Promise<User> {
    const r = await q.query<UserRow>(
      `INSERT INTO users (id, username_lower, username, display_name, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
      [u.id, u.username.toLowerCase(), u.username, u.displayName, u.passwordHash],
    );
    return toUser(r.rows[0]);
  }

  async usernameTaken(usernameLower: string): Promise<boolean> {
    const r = await this.db.query(`SELECT 1 FROM users WHERE username_lower = $1`, [usernameLower]);
    return r.rows.length > 0;
  }

  async findById(id: string, q: SqlQueryable = this.db): Promise<User | null> {
    const r = await q.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return r.rows.length ? toUser(r.rows[0]) : null;
  }

  async findByUsername(usernameLower: string): Promise<User | null> {
    const r = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username_lower = $1`, [usernameLower]);
    return r.rows.length ? toUser(r.rows[0]) : null;
  }

  async findCredentials(usernameLower: string): Promise<{ user: User; passwordHash: string } | null> {
    const r = await this.db.query<UserRow & { password_hash: string }>(
      `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username_lower = $1`,
      [usernameLower],
    );
    return r.rows.length ? { user: toUser(r.rows[0]), passwordHash: r.rows[0].password_hash } : null;
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const r = await this.db.query<{ id: string }>(`SELECT id FROM users WHERE id = ANY($1::text[])`, [ids.slice(i, i + IDS_PER_QUERY)]);
      for (const row of r.rows) found.add(row.id);
    }
    return found;
  }
}

function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, display_name: row.display_name, created_at: toIso(row.created_at) };
}
