import { Injectable } from '@nestjs/common';
import { User } from '@parley/domain';
import { UserDirectory as UserDirectoryPort } from '@parley/ports';
import { normalizeUsername } from '../credentials/credential-rules';
import { isBoundedId } from '../ids';
import { UsersRepository } from '../storage/users.repository';

/** Read access to users for other services in the process (messaging checks member ids). */
@Injectable()
export class UserDirectory implements UserDirectoryPort {
  constructor(private readonly users: UsersRepository) {}

  /** Case-insensitive, as usernames are; null for a name that cannot exist. */
  findByUsername(username: string): Promise<User | null> {
    const normalized = normalizeUsername(username);
    return normalized === null ? Promise.resolve(null) : this.users.findByUsername(normalized);
  }

  /** The subset of `ids` that name existing users. */
  existingIds(ids: readonly string[]): Promise<Set<string>> {
    return this.users.existingIds([...new Set(ids)].filter(isBoundedId));
  }
}

