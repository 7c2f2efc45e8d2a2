import { DomainError, isDomainError } from '@parley/domain';
import { SCRIPT_VALIDATION_ERROR, mapRedisError, openRedis } from './redis-connection';

const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('mapRedisError', () => {
  it.each([
    ['a closed connection', new Error('Connection is closed.')],
    ['a command timeout', new Error('Command timed out')],
    ['a refused write while disconnected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a server still loading', reply('LOADING Redis is loading the dataset in memory')],
    ['a server out of memory', reply("OOM command not allowed when used memory > 'maxmemory'.")],
    ['a replica that became read-only', reply("READONLY You can't write against a read only replica.")],
  ])('maps %s to UNAVAILABLE', (_, error) => {
    const mapped = mapRedisError(error);
    expect(isDomainError(mapped) && mapped.code).toBe('UNAVAILABLE');
    expect((mapped as DomainError).cause).toBe(error);
  });

  it("maps a script's own validation reply to VALIDATION_FAILED with its text", () => {
    const mapped = mapRedisError(reply(`ERR user_script:12: ${SCRIPT_VALIDATION_ERROR} connectionId already belongs to another user`));
    expect(mapped).toMatchObject({ code: 'VALIDATION_FAILED', message: 'connectionId already belongs to another user' });
  });

  it('passes other replies (a bug in a command) through', () => {
    const wrong = reply('ERR wrong number of arguments');
    expect(mapRedisError(wrong)).toBe(wrong);
  });
});

describe('openRedis', () => {
  it('refuses a URL that is not redis://', async () => {
    await expect(openRedis({ url: 'http://localhost:6379' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(openRedis({ url: 'redis://localhost:6379', commandTimeoutMs: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
