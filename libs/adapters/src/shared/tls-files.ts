import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { validationFailed } from '@parley/domain';

/** TLS towards a data system: PEM files (a mounted Secret). Empty or absent: the system's CAs, no client certificate. */
export interface TlsFileOptions {
  /** The CA that signed the servers. */
  caFile?: string;
  /** A client certificate, for servers that require one; with keyFile. */
  certFile?: string;
  keyFile?: string;
}

/**
 * Reads the files into node:tls options that verify the server (chain always, name unless
 * `verifyHostname` is false). A missing or unreadable file is a validation error naming it.
 */
export function tlsConnectionOptions(files: TlsFileOptions, verifyHostname = true): ConnectionOptions {
  if (!files.certFile !== !files.keyFile) throw validationFailed('tls: certFile and keyFile go together');
  const pem = (what: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw validationFailed(`tls: cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const ca = pem('CA', files.caFile);
  const cert = pem('certificate', files.certFile);
  const key = pem('key', files.keyFile);
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}
