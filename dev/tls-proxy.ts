// A TLS endpoint in front of a plaintext one, for trying TLS and mTLS clients against the local
// Temporal dev server (which serves plaintext gRPC): it terminates TLS, negotiates h2 by ALPN,
// optionally requires a client certificate signed by `clientCa`, and pipes the bytes on.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

export interface TlsProxyOptions {
  /** `host:port` of the plaintext server. */
  upstream: string;
  /** PEM files of the proxy's own certificate and key. */
  cert: string;
  key: string;
  /** CA whose client certificates are accepted; set: a client certificate is required. */
  clientCa?: string;
}

export interface TlsProxy {
  address: string;
  close(): Promise<void>;
}

export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const [host, port] = options.upstream.split(':') as [string, string];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: readFileSync(options.cert),
      key: readFileSync(options.key),
      ALPNProtocols: ['h2'],
      ...(options.clientCa ? { ca: readFileSync(options.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (client) => {
      const upstream = net.connect(Number(port), host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      }
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  // A refused handshake (no or wrong client certificate) is the client's problem, not the proxy's.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
