import { Injectable } from '@nestjs/common';
import { User } from '@parley/domain';
import { isBoundedId } from '../../ids';
import { UsersRepository } from '../../storage/users.repository';

@Injectable()
export class GetUserUseCase {
  constructor(private readonly users: UsersRepository) {}

  /** The user, or null for an id that names nobody (malformed ids included). */
  async execute(userId: string): Promise<User | null> {
    return isBoundedId(userId) ? this.users.findById(userId) : null;
  }
}
