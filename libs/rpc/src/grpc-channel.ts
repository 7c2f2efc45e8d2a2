import { Client, Metadata, type MethodDefinition, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { DomainError, isDomainError } from '@parley/domain';
import { parseTraceparent } from '@parley/observability';
import { fromServiceError, RpcError } from './errors';
import { DEFAULT_MAX_MESSAGE_BYTES } from './grpc-server';
import { grpcChannelCredentials, type GrpcTlsOptions } from './grpc-tls';
import { parleyServices, type ParleyServiceName } from './protos';

export interface RpcClientOptions {
  /** Deadline of every call (default 5000 ms). Past it the call fails with DomainError('UNAVAILABLE'). */
  deadlineMs?: number;
  /** The current `traceparent` (W3C), sent as call metadata when it returns a well-formed one. */
  traceparent?: () => string | null | undefined;
  maxMessageBytes?: number;
  /** Upper bound of the reconnect backoff (default 2000 ms): a restarted peer is found again quickly. */
  maxReconnectBackoffMs?: number;
  /** Directory holding parley/v1/*.proto (default: see resolveProtoDir). */
  protoDir?: string;
  /** TLS to the peer (PARLEY_GRPC_TLS); absent: plaintext. */
  tls?: GrpcTlsOptions;
}

export const DEFAULT_DEADLINE_MS = 5_000;

const ROUND_ROBIN = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });

/** Whether a target names several peers to balance over. */
export const balances = (target: string): boolean => (target.startsWith('ipv4:') && target.includes(',')) || target.startsWith('dns:');

/**
 * One channel to one peer for one service. Calls fail fast (no wait-for-ready): a peer that is
 * down answers UNAVAILABLE at once rather than at the deadline.
 */
export class RpcChannel {
  private readonly client: Client;
  private readonly deadlineMs: number;
  /** The service's methods as generated from the proto. */
  private readonly methods: ServiceDefinition;
  private closed = false;

  constructor(
    private readonly service: ParleyServiceName,
    readonly address: string,
    private readonly options: RpcClientOptions = {},
  ) {
    // Resolved once: finding the proto directory walks the file system, which is no per-call work.
    this.methods = parleyServices(options.protoDir)[service];
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (!Number.isFinite(this.deadlineMs) || this.deadlineMs <= 0) throw new RangeError('deadlineMs must be a positive number');
    const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const transport = grpcChannelCredentials(options.tls);
    this.client = new Client(address, transport.credentials, {
      ...transport.options,
      'grpc.max_receive_message_length': maxBytes,
      'grpc.max_send_message_length': maxBytes,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': options.maxReconnectBackoffMs ?? 2_000,
      // Several replicas (an `ipv4:a,b` list, or a `dns:` name of a headless Service): calls spread
      // over them, skipping the ones that are down, instead of all going to the first. One peer:
      // pick_first, whose channel reconnects on the next call after the peer restarts (round_robin
      // would fail calls fast for its whole reconnect backoff).
      ...(balances(address) ? { 'grpc.service_config': ROUND_ROBIN } : {}),
    });
  }

  /**
   * Calls `method` and decodes its response with `decode`. Rejects with the peer's DomainError,
   * DomainError('UNAVAILABLE') when unreachable or past the deadline, or RpcError.
   */
  call<Req, Res, Out>(method: string, request: Req, decode: (response: Res) => Out): Promise<Out> {
    if (this.closed) return Promise.reject(new DomainError('UNAVAILABLE', `${this.service} client closed`));
    const definition = this.methods[method];
    if (!definition) return Promise.reject(new RpcError(this.service, method, null, `${this.service} has no method ${method}`));
    // The definition's (de)serializers are generated from the proto; Req/Res are this lib's wire types of the same messages.
    const typed = definition as MethodDefinition<Req, Res>;
    return new Promise<Out>((resolve, reject) => {
      this.client.makeUnaryRequest(typed.path, typed.requestSerialize, typed.responseDeserialize, request, this.metadata(), { deadline: Date.now() + this.deadlineMs }, (error: ServiceError | null, response?: Res) => {
        if (error) return reject(fromServiceError(error, this.service, method));
        if (response === undefined) return reject(new RpcError(this.service, method, null, `${this.service}.${method} returned no response`));
        try {
          resolve(decode(response));
        } catch (decodeError) {
          const message = isDomainError(decodeError) ? decodeError.message : 'undecodable response';
          reject(new RpcError(this.service, method, null, `${this.service}.${method} sent a bad response: ${message}`, { cause: decodeError }));
        }
      });
    });
  }

  /** Idempotent. Calls already on the wire finish; later ones fail with UNAVAILABLE. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    const traceparent = this.options.traceparent?.();
    if (traceparent && parseTraceparent(traceparent)) metadata.set('traceparent', traceparent);
    return metadata;
  }
}
