import { Server, type handleUnaryCall, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { parseTraceparent, type Logger, type TraceContext } from '@parley/observability';
import { isDomainError } from '@parley/domain';
import { toGrpcStatus } from './errors';
import { grpcServerCredentials, type GrpcTlsOptions } from './grpc-tls';

/** Bound on one request or response in either direction (gRPC's own default for receiving). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** What a handler knows about the call it serves, for logging and tracing. */
export interface RpcCallInfo {
  service: string;
  method: string;
  /** From the caller's `traceparent` metadata; null when absent or malformed. */
  trace: TraceContext | null;
}

export interface ServeOptions {
  /** Where internal (non-domain) errors are logged: method and error, never the request. */
  logger?: Logger;
  /**
   * Runs around each call's implementation, e.g. to enter the caller's trace context
   * (an AsyncLocalStorage the service owns). Must call `run` once and return its result.
   */
  aroundCall?: <T>(call: RpcCallInfo, run: () => Promise<T>) => Promise<T>;
  /** Directory holding parley/v1/*.proto (default: see resolveProtoDir). */
  protoDir?: string;
}

/**
 * Makes gRPC unary handlers for one service: each decodes its request, runs the implementation and
 * encodes the result; any throw becomes a status (DomainError: its mapped status and code;
 * anything else: INTERNAL with a generic message, logged here).
 */
export function unaryHandlers(service: string, options: ServeOptions) {
  return function unary<Req, Res>(method: string, handle: (request: Req) => Promise<Res>): handleUnaryCall<Req, Res> {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const info: RpcCallInfo = { service, method, trace: traceOf(call) };
      const run = async () => handle(call.request);
      // Started from a resolved promise so that a synchronous throw in aroundCall is answered too.
      Promise.resolve()
        .then(() => (options.aroundCall ? options.aroundCall(info, run) : run()))
        .then(
          (response) => callback(null, response),
          (error: unknown) => {
            if (!isDomainError(error)) options.logger?.error('rpc handler failed', { service, method, err: error });
            callback(toGrpcStatus(error));
          },
        );
    };
  };
}

function traceOf(call: ServerUnaryCall<unknown, unknown>): TraceContext | null {
  const value = call.metadata.get('traceparent')[0];
  return typeof value === 'string' ? parseTraceparent(value) : null;
}

export interface GrpcServerOptions {
  maxMessageBytes?: number;
  /** How long `close` waits for in-flight calls before cutting them off. */
  shutdownGraceMs?: number;
  /** TLS (PARLEY_GRPC_TLS), mutual when tls.mutual; absent: plaintext. */
  tls?: GrpcTlsOptions;
}

export interface RunningGrpcServer {
  server: Server;
  /** The bound port (the real one when the address asked for port 0). */
  port: number;
  /** Stops accepting calls, waits up to the grace period for in-flight ones, then cuts them. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a gRPC server on `address` (`host:port`, e.g. `127.0.0.1:0`) with the services `register`
 * adds. Plaintext unless options.tls: TLS, optionally mutual (PARLEY_GRPC_TLS, docs/deploy.md), for
 * clusters whose platform does not already encrypt pod-to-pod traffic.
 */
export async function startGrpcServer(address: string, register: (server: Server) => void, options: GrpcServerOptions = {}): Promise<RunningGrpcServer> {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const graceMs = options.shutdownGraceMs ?? 5_000;
  const server = new Server({ 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': maxBytes });
  register(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpcServerCredentials(options.tls), (error, bound) => (error ? reject(error) : resolve(bound)));
  }).catch((error: unknown) => {
    server.forceShutdown();
    throw error;
  });
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closing;
  };
  return { server, port, close };
}
