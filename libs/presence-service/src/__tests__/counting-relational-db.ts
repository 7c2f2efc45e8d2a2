import { RelationalDb, RelationalTx } from '@parley/ports';

type RawTag = (strings: TemplateStringsArray, ...values: unknown[]) => Promise<unknown>;

/**
 * A real RelationalDb (Prisma Client on PGlite) that notes the first word of every hand-written
 * statement (`$queryRaw` / `$executeRaw`) reaching it, and can fail the next one, for unit tests.
 */
export class CountingRelationalDb implements RelationalDb {
  statements: string[] = [];
  failNext: Error | null = null;

  constructor(private readonly inner: RelationalDb) {}

  run<T>(fn: (c: RelationalTx) => Promise<T>): Promise<T> {
    return this.inner.run((c) => fn(this.counted(c)));
  }

  transaction<T>(fn: (tx: RelationalTx) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(this.counted(tx)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private counted(client: RelationalTx): RelationalTx {
    const self = this;
    return new Proxy(client, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if ((prop !== '$queryRaw' && prop !== '$executeRaw') || typeof value !== 'function') return value;
        const tag = value as RawTag;
        return (strings: TemplateStringsArray, ...values: unknown[]) => {
          self.statements.push(strings[0].trim().split(/\s+/)[0]);
          const failure = self.failNext;
          self.failNext = null;
          return failure ? Promise.reject(failure) : tag.call(target, strings, ...values);
        };
      },
    });
  }
}
