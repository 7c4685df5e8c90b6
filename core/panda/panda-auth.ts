/**
 * How the pilot proves who it is to the PanDA server (reference performance-reliability.md
 * §7): an X.509 proxy as client certificate and key (`X509_USER_PROXY`, CA from
 * `X509_CERT_DIR`), or a bearer token read from a file (`PANDA_AUTH_TOKEN` /
 * `OIDC_AUTH_TOKEN`, relative to `PANDA_AUTH_DIR` / `OIDC_AUTH_DIR`), as pilot3 does.
 * Every credential is registered with the run's SecretRegistry before anything can log it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ServerSettings } from '../config/pilot-config.js';
import { ConfigError } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';
import type { SecretRegistry } from '../logging/secret-registry.js';

/** TLS material for the agent: client certificate chain and key (x509), trusted CAs. */
export interface TlsMaterial {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: readonly string[];
}

/** The credentials of one client. */
export interface PandaAuth {
  readonly kind: ServerSettings['auth'];
  readonly tls: TlsMaterial;
  /** Headers to add to every request (a bearer token is re-read when its file changes). */
  headers(): Readonly<Record<string, string>>;
  /** Where the credential comes from, for logs; never the credential itself. */
  readonly description: string;
}

const TOKEN_RECHECK_MS = 1000;

/**
 * @throws PilotError NOPROXY (1163) when the proxy file is missing or holds no certificate and
 *   key; MISSINGCREDENTIALS (1364) when no token file is configured or it is empty or unreadable;
 *   ConfigError for an unreadable CA path.
 */
export function loadPandaAuth(server: ServerSettings, env: NodeJS.ProcessEnv, secrets: SecretRegistry): PandaAuth {
  const ca = loadCa(server.caPath ?? env['X509_CERT_DIR']);
  const tlsBase: TlsMaterial = ca ? { ca } : {};
  if (server.auth === 'x509') {
    const path = server.proxyFile ?? env['X509_USER_PROXY'] ?? defaultProxyPath();
    const { cert, key } = readProxy(path, secrets);
    return { kind: 'x509', tls: { ...tlsBase, cert, key }, headers: () => NO_HEADERS, description: `x509 proxy ${path}` };
  }
  if (server.auth === 'token') return tokenAuth(server, env, secrets, tlsBase);
  return { kind: 'none', tls: tlsBase, headers: () => NO_HEADERS, description: 'no client credentials' };
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function defaultProxyPath(): string {
  return `/tmp/x509up_u${typeof process.getuid === 'function' ? process.getuid() : 0}`;
}

function readProxy(path: string, secrets: SecretRegistry): { cert: string; key: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PilotError(ErrorCodes.NOPROXY, `x509 auth: cannot read the proxy ${path} (set X509_USER_PROXY or server.proxyFile): ${(err as Error).message}`, { recoverable: false });
  }
  const keyBlock = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/.exec(text)?.[0];
  if (keyBlock) {
    secrets.register(keyBlock);
    secrets.register(keyBlock.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (!keyBlock || certs.length === 0) {
    const missing = !keyBlock && certs.length === 0 ? 'no certificate and no private key' : !keyBlock ? 'no private key' : 'no certificate';
    throw new PilotError(ErrorCodes.NOPROXY, `x509 auth: the proxy ${path} holds ${missing} in PEM form`, { recoverable: false });
  }
  return { cert: certs.join('\n'), key: keyBlock };
}

function loadCa(path: string | undefined): string[] | undefined {
  if (!path) return undefined;
  try {
    const st = statSync(path);
    const files = st.isDirectory() ? readdirSync(path).filter((n) => /\.(pem|crt|\d+)$/.test(n)).map((n) => join(path, n)) : [path];
    const pems: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      pems.push(...(text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []));
    }
    if (pems.length === 0) throw new Error('no PEM certificate found');
    return pems;
  } catch (err) {
    throw new ConfigError([{ path: 'config.server.caPath', expected: 'a directory or file of PEM CA certificates (X509_CERT_DIR)', got: `${JSON.stringify(path)}: ${(err as Error).message}` }]);
  }
}

function tokenAuth(server: ServerSettings, env: NodeJS.ProcessEnv, secrets: SecretRegistry, tls: TlsMaterial): PandaAuth {
  const named = server.tokenFile ?? env['OIDC_AUTH_TOKEN'] ?? env['PANDA_AUTH_TOKEN'];
  if (!named) {
    throw new PilotError(ErrorCodes.MISSINGCREDENTIALS, 'token auth: no token file (set server.tokenFile, PANDA_AUTH_TOKEN or OIDC_AUTH_TOKEN)', { recoverable: false });
  }
  const dir = env['OIDC_AUTH_DIR'] ?? env['PANDA_AUTH_DIR'];
  const path = !isAbsolute(named) && dir && !server.tokenFile ? join(dir, named) : named;
  const origin = env['OIDC_AUTH_ORIGIN'] ?? env['PANDA_AUTH_ORIGIN'];
  let headers: Readonly<Record<string, string>> = NO_HEADERS;
  let mtimeMs = -1;
  let checkedAt = -Infinity;
  const refresh = (): void => {
    let st;
    try {
      st = statSync(path);
      if (st.mtimeMs === mtimeMs) return;
      const token = readFileSync(path, 'utf8').trim();
      if (!token) throw new Error('the file is empty');
      secrets.register(token);
      mtimeMs = st.mtimeMs;
      headers = Object.freeze({ Authorization: `Bearer ${token}`, ...(origin ? { Origin: origin } : {}) });
    } catch (err) {
      // A token that vanished after a good read keeps serving until the server refuses it.
      if (headers !== NO_HEADERS) return;
      throw new PilotError(ErrorCodes.MISSINGCREDENTIALS, `token auth: cannot read the token file ${path}: ${(err as Error).message}`, { recoverable: false });
    }
  };
  refresh();
  return {
    kind: 'token',
    tls,
    headers: () => {
      const now = Date.now();
      // Token files are replaced by rename when refreshed; look again at most once a second.
      if (now - checkedAt >= TOKEN_RECHECK_MS) {
        checkedAt = now;
        refresh();
      }
      return headers;
    },
    description: `bearer token from ${path}`,
  };
}
