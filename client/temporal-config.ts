// How the worker and the CLI reach Temporal: the SDK's own environment configuration, as the
// `temporal` CLI reads it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
// TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
// TEMPORAL_TLS_SERVER_NAME, TEMPORAL_PROFILE with TEMPORAL_CONFIG_FILE or the default TOML file).
import net from 'node:net';
import tls from 'node:tls';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Options for `NativeConnection.connect` and `Connection.connect`; may hold an API key: never log them. */
  connection: Pick<NativeConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'>;
  /** How the connection is secured, for logs and errors: plaintext, TLS, mTLS, API key over TLS. */
  security: string;
}

/** The Temporal settings are unreadable (a certificate path, a profile file); never echoes a key. */
export class TemporalConfigError extends Error {
  override name = 'TemporalConfigError';
}

/** Settings from `env` (and the profile file it names), with explicit overrides (CLI flags) on top. */
export function loadTemporalSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: { address?: string; namespace?: string } = {},
): TemporalSettings {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch (err) {
    // The SDK's messages name files and profiles, never the key material.
    throw new TemporalConfigError(`cannot read the Temporal connection settings: ${(err as Error).message}`);
  }
  const { tls, apiKey, metadata } = loaded.connectionOptions;
  const address = overrides.address ?? loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const clientCert = typeof tls === 'object' && tls?.clientCertPair !== undefined;
  const security = apiKey ? 'API key over TLS' : clientCert ? 'mTLS' : tls ? 'TLS' : 'plaintext';
  return {
    address,
    namespace: overrides.namespace ?? loaded.namespace ?? 'default',
    connection: {
      address,
      ...(tls === undefined || tls === null ? {} : { tls }),
      ...(apiKey ? { apiKey } : {}),
      ...(metadata ? { metadata } : {}),
    },
    security,
  };
}

/**
 * Why a TLS connection to Temporal fails, found by one handshake of our own with the same settings:
 * the gRPC client reports only "failed to connect before the deadline". Under TLS 1.3 a server
 * refuses a missing client certificate after the client's handshake, so the probe waits for it.
 */
async function tlsProbe(settings: TemporalSettings): Promise<string | undefined> {
  const config = settings.connection.tls;
  if (!config) return undefined;
  const options = typeof config === 'object' ? config : {};
  const { hostname, port } = new URL(`http://${settings.address}`);
  const servername = options.serverNameOverride ?? (net.isIP(hostname) ? undefined : hostname);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: hostname,
      port: Number(port),
      ALPNProtocols: ['h2'],
      ...(servername ? { servername } : {}),
      ...(options.serverRootCACertificate ? { ca: Buffer.from(options.serverRootCACertificate) } : {}),
      ...(options.clientCertPair
        ? { cert: Buffer.from(options.clientCertPair.crt), key: Buffer.from(options.clientCertPair.key) }
        : {}),
      // An IP address: check the certificate's IP names, as the gRPC client does.
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername ?? hostname, cert),
    });
    const done = (cause: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(cause);
    };
    const timer = setTimeout(() => done(undefined), 3_000);
    // OpenSSL's text names its routine, source file and line; the reason is what a user needs.
    socket.on('error', (err) => done(/:SSL routines:[^:]*:([^:]+):/.exec(err.message)?.[1] ?? err.message));
    socket.on('secureConnect', () => setTimeout(() => done(undefined), 500));
  });
}

/**
 * A failed connection to Temporal, said so that an operator knows what to change: the address,
 * how the connection was secured, the cause (a TLS handshake's own when TLS is on), and the
 * setting most likely at fault.
 */
export async function temporalConnectError(settings: TemporalSettings, err: unknown): Promise<Error> {
  const sdkMessage = (err as Error).message ?? String(err);
  const handshake = await tlsProbe(settings).catch(() => undefined);
  const message = handshake ? `TLS handshake: ${handshake}` : sdkMessage;
  let hint = '';
  if (/UnknownIssuer|unknown ca|self.signed|unable to (verify|get)|certificate verify failed/i.test(message))
    hint = "; the server's certificate is not signed by a CA the worker trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH";
  else if (/NotValidForName|altnames|hostname mismatch/i.test(message))
    hint = "; the server's certificate does not name this address: set TEMPORAL_TLS_SERVER_NAME";
  else if (/CertificateRequired|certificate required|bad certificate|HandshakeFailure|handshake failure/i.test(message))
    hint =
      '; the server requires a client certificate it trusts: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  else if (settings.security === 'plaintext')
    hint = '; if the server expects TLS, set TEMPORAL_TLS=true (and its certificates) or TEMPORAL_API_KEY';
  return new Error(`cannot connect to Temporal at ${settings.address} (${settings.security}): ${message}${hint}`);
}
