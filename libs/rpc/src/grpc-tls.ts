import { readFileSync } from 'node:fs';
import { ChannelCredentials, credentials, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';

/**
 * TLS between the mesh's services (PEM files, e.g. a mounted Secret). Servers present certFile;
 * clients verify it against caFile (empty: the system's CAs) and, when serverName is set, for that
 * name instead of the address's host. mutual: servers also require a client certificate signed by
 * caFile, and clients present certFile.
 */
export interface GrpcTlsOptions {
  caFile?: string;
  certFile: string;
  keyFile: string;
  mutual?: boolean;
  serverName?: string;
}

function pem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`gRPC TLS: cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Plaintext without tls; otherwise TLS, refusing clients without a certificate when mutual. */
export function grpcServerCredentials(tls: GrpcTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (tls.mutual && !tls.caFile) throw new Error('gRPC TLS: mutual TLS needs the CA file that signed the clients');
  const ca = tls.caFile ? pem('CA', tls.caFile) : null;
  return ServerCredentials.createSsl(ca, [{ cert_chain: pem('certificate', tls.certFile), private_key: pem('key', tls.keyFile) }], tls.mutual ?? false);
}

/** The channel's credentials and the options that go with them (the name checked in the server certificate). */
export function grpcChannelCredentials(tls: GrpcTlsOptions | undefined): { credentials: ChannelCredentials; options: ChannelOptions } {
  if (!tls) return { credentials: credentials.createInsecure(), options: {} };
  const ca = tls.caFile ? pem('CA', tls.caFile) : null;
  const creds = credentials.createSsl(ca, pem('key', tls.keyFile), pem('certificate', tls.certFile));
  const options: ChannelOptions = tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {};
  return { credentials: creds, options };
}
