// Certificates for a stack whose servers require TLS: a private CA, a server certificate for
// 127.0.0.1 (the address the stack's clusters file dials), and a client certificate for the
// stack's account (REQUIRE X509). Made with the openssl CLI once per stack dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface StackCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed${stderr ? `: ${stderr}` : ''} (is the openssl CLI installed?)`);
  }
}

/** A CA (key and self-signed certificate) named `name` in `dir`; returns the certificate's path. */
export function createCertificateAuthority(dir: string, name = 'ca'): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  if (!existsSync(cert)) {
    openssl(['genrsa', '-out', key, '2048'], dir);
    openssl(
      ['req', '-x509', '-new', '-key', key, '-days', '3650', '-subj', `/CN=move-tables ${name}`, '-out', cert],
      dir,
    );
  }
  return { cert, key };
}

/** A certificate signed by `ca`, for `subject`, with the given subjectAltName (e.g. `IP:127.0.0.1`). */
export function signedCertificate(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  subject: string,
  altName?: string,
): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  if (existsSync(cert)) return { cert, key };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, altName ? `subjectAltName=${altName}\n` : 'basicConstraints=CA:FALSE\n');
  openssl(['genrsa', '-out', key, '2048'], dir);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  const signing = ['-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '3650', '-extfile', ext];
  openssl(['x509', '-req', '-in', csr, ...signing, '-out', cert], dir);
  return { cert, key };
}

/**
 * The stack's certificates in `dir` (made when missing). The server certificate names only the IP
 * 127.0.0.1: a worker dialling `localhost` with VERIFY_IDENTITY is refused, as it should be.
 */
export function stackCertificates(dir: string): StackCertificates {
  const ca = createCertificateAuthority(dir);
  const server = signedCertificate(dir, 'server', ca, '/CN=move-tables stack server', 'IP:127.0.0.1');
  const client = signedCertificate(dir, 'client', ca, '/CN=move_tables');
  return {
    ca: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
  };
}
