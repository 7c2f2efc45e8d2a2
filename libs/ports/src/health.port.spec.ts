import { checkReadiness } from './health.port';

describe('checkReadiness', () => {
  it('is ready when every check passes, and with no checks at all', async () => {
    expect(await checkReadiness([{ name: 'a', check: async () => true }])).toEqual({ status: 'ready', failing: [] });
    expect(await checkReadiness([])).toEqual({ status: 'ready', failing: [] });
  });

  it('names the checks that fail, throw or time out, in the order given', async () => {
    const report = await checkReadiness(
      [
        { name: 'hangs', check: () => new Promise<boolean>(() => undefined) },
        { name: 'ok', check: async () => true },
        { name: 'false', check: async () => false },
        { name: 'throws', check: () => { throw new Error('sync throw'); } },
      ],
      50,
    );
    expect(report).toEqual({ status: 'not_ready', failing: ['hangs', 'false', 'throws'] });
  });
});
