import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a throwaway PKI for one test file: made with openssl at test time, removed by dispose(). */
export interface TestCertificates {
  /** The CA that signed the server's certificate (PEM), for the client's `tls.ca`. */
  ca: Buffer;
  /** Another self-signed CA that signed nothing here: a client trusting only it must refuse the server. */
  otherCa: Buffer;
  /** For RedisServer.start's `tls` launch option. */
  server: { certFile: string; keyFile: string; caFile: string };
  dispose(): void;
}

/** A CA, a server certificate it signed for 127.0.0.1 and localhost, and an unrelated CA (RSA 2048, valid 1 day). */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'cache-test-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { timeout: 20_000 });
  try {
    const selfSigned = (name: string, subject: string): Promise<unknown> =>
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.crt`),
        '-days',
        '1',
        '-subj',
        subject,
      );
    await selfSigned('ca', '/CN=nestjs-cache test CA');
    await selfSigned('other-ca', '/CN=nestjs-cache unrelated CA');
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    );
    writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await openssl(
      ...['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial'],
      ...['-out', file('server.crt'), '-days', '1', '-extfile', file('server.ext')],
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ca: readFileSync(file('ca.crt')),
    otherCa: readFileSync(file('other-ca.crt')),
    server: { certFile: file('server.crt'), keyFile: file('server.key'), caFile: file('ca.crt') },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
