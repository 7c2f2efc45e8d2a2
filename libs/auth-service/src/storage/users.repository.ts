import { Inject, Injectable } from '@nestjs/common';
import { User } from '@parley/domain';
import { RELATIONAL_DB, RelationalDb, RelationalTx } from '@parley/ports';

export interface NewUser {
  id: string;
  /** Already normalized (lower case). */
  username: string;
  displayName: string;
  passwordHash: string;
}

const USER_FIELDS = { id: true, username: true, displayName: true, createdAt: true } as const;

/** Ids per `IN` query: keeps each statement's parameter list bounded. */
const IDS_PER_QUERY = 1000;

@Injectable()
export class UsersRepository {
  constructor(@Inject(RELATIONAL_DB) private readonly db: RelationalDb) {}

  /** Throws a unique violation when the username is taken (the index decides races). */
  async insert(tx: RelationalTx, u: NewUser): Promise<User> {
    const row = await tx.user.create({
      data: { id: u.id, usernameLower: u.username.toLowerCase(), username: u.username, displayName: u.displayName, passwordHash: u.passwordHash },
      select: USER_FIELDS,
    });
    return toUser(row);
  }

  async usernameTaken(usernameLower: string): Promise<boolean> {
    return (await this.db.run((c) => c.user.findUnique({ where: { usernameLower }, select: { id: true } }))) !== null;
  }

  async findById(id: string, tx?: RelationalTx): Promise<User | null> {
    const find = (c: RelationalTx) => c.user.findUnique({ where: { id }, select: USER_FIELDS });
    const row = tx ? await find(tx) : await this.db.run(find);
    return row ? toUser(row) : null;
  }

  async findByUsername(usernameLower: string): Promise<User | null> {
    const row = await this.db.run((c) => c.user.findUnique({ where: { usernameLower }, select: USER_FIELDS }));
    return row ? toUser(row) : null;
  }

  async findCredentials(usernameLower: string): Promise<{ user: User; passwordHash: string } | null> {
    const row = await this.db.run((c) => c.user.findUnique({ where: { usernameLower }, select: { ...USER_FIELDS, passwordHash: true } }));
    return row ? { user: toUser(row), passwordHash: row.passwordHash } : null;
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + IDS_PER_QUERY);
      const rows = await this.db.run((c) => c.user.findMany({ where: { id: { in: chunk } }, select: { id: true } }));
      for (const row of rows) found.add(row.id);
    }
    return found;
  }
}

function toUser(row: { id: string; username: string; displayName: string; createdAt: Date }): User {
  return { id: row.id, username: row.username, display_name: row.displayName, created_at: row.createdAt.toISOString() };
}
