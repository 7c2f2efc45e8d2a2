/**
 * TLS settings of the mesh's connections (Kafka, Cassandra, gRPC between the services): PEM files,
 * e.g. a mounted Secret. The checks here name the environment variables they refuse.
 */

/** PEM files of a TLS client: the CA that signed the servers (empty: the system's CAs), and a client certificate and key (both or neither). */
export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** TLS between the mesh's services: every server presents certFile/keyFile; mutual: clients must present theirs too. */
export interface GrpcTls extends TlsFiles {
  mutual: boolean;
  /** The name clients check every server certificate for; empty: the host of each address. */
  serverName: string;
}

/** The variables of one connection's TLS: the switch and its three files. */
export interface TlsVariables {
  on: string;
  ca: string;
  cert: string;
  key: string;
}

/** The files need the switch; a certificate needs its key. */
export function checkTlsFiles(vars: TlsVariables, on: boolean, files: TlsFiles): TlsFiles | null {
  if (!on) {
    if (files.caFile || files.certFile || files.keyFile) throw new Error(`${vars.ca}, ${vars.cert} and ${vars.key} need ${vars.on}=true`);
    return null;
  }
  if (!files.certFile !== !files.keyFile) throw new Error(`${vars.cert} and ${vars.key} go together`);
  return files;
}

/** gRPC TLS: every service serves, so it needs a certificate; client auth and the server name need TLS. */
export function checkGrpcTls(files: TlsFiles | null, mutual: boolean, serverName: string): GrpcTls | null {
  if (!files) {
    if (mutual || serverName) throw new Error('PARLEY_GRPC_TLS_CLIENT_AUTH and PARLEY_GRPC_TLS_SERVER_NAME need PARLEY_GRPC_TLS=true');
    return null;
  }
  if (!files.certFile) throw new Error('PARLEY_GRPC_TLS=true needs PARLEY_GRPC_TLS_CERT_FILE and PARLEY_GRPC_TLS_KEY_FILE (every service serves gRPC)');
  if (mutual && !files.caFile) throw new Error('PARLEY_GRPC_TLS_CLIENT_AUTH=true needs PARLEY_GRPC_TLS_CA_FILE (the CA that signed the clients)');
  return { ...files, mutual, serverName };
}
