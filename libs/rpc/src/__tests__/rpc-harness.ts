import type { Server } from '@grpc/grpc-js';
import { DomainError } from '@parley/domain';
import { startGrpcServer, type RunningGrpcServer } from '../grpc-server';

/** Servers started by a spec, closed after it. */
export class ServerPool {
  private readonly running: RunningGrpcServer[] = [];

  async start(register: (server: Server) => void, shutdownGraceMs = 200): Promise<string> {
    const started = await startGrpcServer('127.0.0.1:0', register, { shutdownGraceMs });
    this.running.push(started);
    return `127.0.0.1:${started.port}`;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((server) => server.close()));
  }
}

/** An address nothing listens on: a port a server just bound and released. */
export async function closedAddress(): Promise<string> {
  const server = await startGrpcServer('127.0.0.1:0', () => undefined, { shutdownGraceMs: 50 });
  await server.close();
  return `127.0.0.1:${server.port}`;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

/** Asserts `error` is exactly DomainError(code, message). */
export function expectDomainError(error: unknown, code: DomainError['code'], message?: string): void {
  expect(error).toBeInstanceOf(DomainError);
  const domain = error as DomainError;
  expect(domain.code).toBe(code);
  if (message !== undefined) expect(domain.message).toBe(message);
}

export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
