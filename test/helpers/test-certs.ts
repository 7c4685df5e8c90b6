/**
 * A throw-away PKI made with the openssl CLI: a CA, a server certificate for 127.0.0.1 and a
 * client "proxy" file holding certificate and key together, as X509_USER_PROXY does.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  readonly caFile: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate followed by its private key. */
  readonly proxyFile: string;
  readonly clientKey: string;
}

async function issue(dir: string, name: string, subject: string, ext: string): Promise<void> {
  const p = (s: string) => join(dir, s);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subject]);
  await writeFile(p(`${name}.ext`), ext);
  await run('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '2', '-extfile', p(`${name}.ext`)]);
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  const p = (s: string) => join(dir, s);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=espilot test CA']);
  await issue(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await issue(dir, 'client', '/DC=ch/O=espilot/CN=test pilot', 'extendedKeyUsage=clientAuth\n');
  const [ca, serverCert, serverKey, clientCert, clientKey] = await Promise.all(
    ['ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key'].map((f) => readFile(p(f), 'utf8')),
  );
  await writeFile(p('x509up'), `${clientCert}${clientKey}`, { mode: 0o600 });
  return { caFile: p('ca.pem'), ca: ca!, serverCert: serverCert!, serverKey: serverKey!, proxyFile: p('x509up'), clientKey: clientKey! };
}
