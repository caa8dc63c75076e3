// TLS and secrets of the worker's database connections, as MySQL's own clients spell them
// (`ssl-mode`, `ssl-ca`, `ssl-cert`, `ssl-key`). Files are named in the configuration and read
// when a connection opens, so rotated certificates and passwords need no worker restart.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions, SslOptions } from 'mysql2';
import { failure } from '../contract/failures.js';

export const SSL_MODES = ['DISABLED', 'PREFERRED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** A cluster's TLS settings: the mode and the PEM files it reads (paths, never their contents). */
export interface ClusterTls {
  mode: SslMode;
  /** CA bundle to trust; without it VERIFY_CA/VERIFY_IDENTITY trust Node's public roots. */
  ca?: string;
  /** Client certificate and key, for servers that require X509 (`REQUIRE X509`/`SUBJECT`). */
  cert?: string;
  key?: string;
}

/**
 * mysql2's `ssl` for a mode; undefined: plaintext. PREFERRED and REQUIRED encrypt without
 * checking the certificate; VERIFY_CA checks the chain; VERIFY_IDENTITY also the host name (or IP)
 * the worker dials against the certificate's names, before the password is sent.
 */
export function sslOptions(tls: ClusterTls): SslOptions | undefined {
  if (tls.mode === 'DISABLED') return undefined;
  const verify = tls.mode === 'VERIFY_CA' || tls.mode === 'VERIFY_IDENTITY';
  return {
    rejectUnauthorized: verify,
    verifyIdentity: tls.mode === 'VERIFY_IDENTITY',
    ...(tls.ca ? { ca: readFileSync(tls.ca, 'utf8') } : {}),
    ...(tls.cert ? { cert: readFileSync(tls.cert, 'utf8') } : {}),
    ...(tls.key ? { key: readFileSync(tls.key, 'utf8') } : {}),
  };
}

/**
 * mysql2 leaves the TLS server name unset when the host is an IP address, and Node then checks the
 * certificate against "localhost". For VERIFY_IDENTITY to an IP, the socket is opened here and
 * tells Node the address it dialled (`_host`, which Node reads when no server name is given), so the
 * certificate's IP names are what is checked.
 */
export function ipIdentityStream(host: string, tls: ClusterTls): Pick<ConnectionOptions, 'stream'> {
  if (tls.mode !== 'VERIFY_IDENTITY' || net.isIP(host) === 0) return {};
  return {
    // The address from the connection's own settings: options copied with another port still work.
    stream: (opts: { config: { host: string; port: number } }) => {
      const socket = net.connect(opts.config.port, opts.config.host);
      (socket as net.Socket & { _host?: string })._host = opts.config.host;
      socket.setNoDelay(true);
      socket.setKeepAlive(true);
      return socket;
    },
  };
}

/** The password file's content (one trailing newline dropped, as `echo` or a Secret mount writes it). */
export function readPasswordFile(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

/** mysql2's code when a server without TLS meets a client that asks for it. */
export const NO_TLS_ON_SERVER = 'HANDSHAKE_NO_SSL_SUPPORT';

const REQUIRES_TLS =
  'the server requires TLS (require_secure_transport=ON): set ssl-mode to VERIFY_IDENTITY (or VERIFY_CA, REQUIRED)';

/** Access denied: what the server said, and what in the worker's settings can cause it. */
function accessDenied(serverMessage: string, tls: ClusterTls, encrypted: boolean): string {
  const causes = ['the user, its password (password, passwordEnv or passwordFile) and the host it may connect from'];
  // MariaDB answers a plaintext login to a server or account that requires TLS with this error too.
  if (!encrypted)
    causes.push('whether the server or the account requires TLS (MariaDB reports that as access denied): set ssl-mode');
  else if (!tls.cert)
    causes.push('whether the account requires a client certificate (REQUIRE X509): set ssl-cert and ssl-key');
  return `${serverMessage}; check ${causes.join(', and ')}`;
}

/**
 * A connection that failed for a reason of configuration, as a non-retryable failure naming the
 * cluster and the cause; any other error (a server down, a network blip) is returned as it is.
 * `encrypted`: whether the attempt asked for TLS.
 */
export function connectionFailure(err: unknown, cluster: string, tls: ClusterTls, encrypted: boolean): unknown {
  const e = err as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  let cause: string | undefined;
  if (e.errno === 1045) cause = accessDenied(e.sqlMessage ?? e.message ?? 'access denied', tls, encrypted);
  // MySQL's and MariaDB's ER_SECURE_TRANSPORT_REQUIRED.
  else if (e.errno === 3159 || e.errno === 4151) cause = REQUIRES_TLS;
  else if (e.code === NO_TLS_ON_SERVER)
    cause = `ssl-mode ${tls.mode} asks for TLS but the server does not offer it (no ssl_cert/ssl_key on the server)`;
  else if (e.code === 'HANDSHAKE_SSL_ERROR')
    cause = `TLS handshake failed with ssl-mode ${tls.mode}: ${tlsCause(e.message ?? '', tls)}`;
  else if (e.code === 'ENOENT' || e.code === 'EACCES') cause = `a configured file cannot be read: ${e.message}`;
  if (cause === undefined) return err;
  return failure('ClusterConnectionFailed', `cannot connect to cluster ${cluster}: ${cause}`, {
    cluster,
    sslMode: tls.mode,
    ...(e.errno === undefined ? {} : { errno: e.errno }),
  });
}

/** Node's TLS message with what to change. */
function tlsCause(message: string, tls: ClusterTls): string {
  if (/altnames|does not match/i.test(message))
    return `${message}; the host name the worker dials must be one of the certificate's names (or use VERIFY_CA)`;
  if (/self[- ]signed|unable to (verify|get)|issuer/i.test(message))
    return `${message}; the server's certificate is not signed by ${tls.ca ? `the CA in ssl-ca (${tls.ca})` : "a CA Node trusts (set ssl-ca to the server's CA)"}`;
  if (/expired|not yet valid/i.test(message)) return `${message}; renew the server's certificate`;
  return message;
}
