/**
 * What every fault scenario of a suite run shares: one Swift whose only S3 user has a
 * canary secret, a raw client straight to it (the checker's eyes on the store), a throw-away
 * PKI for the X.509 runs, and a temp root for the runs' directories. The canaries are
 * strings that must never appear anywhere the pilot writes or passes on (I6).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { rawS3Client } from '../helpers/s3-raw.js';
import { startSwift, type SwiftServer } from '../helpers/swift-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { makeTestPki, type TestPki } from '../helpers/test-certs.js';

export interface Canaries {
  /** The S3 secret key: Swift's user key, served to the pilot only by getKeyPair. */
  readonly s3Secret: string;
  /** The PanDA bearer token (read by the pilot from its token file). */
  readonly token: string;
  /** A line of the X.509 proxy's private key (the X.509 runs use it instead of the token). */
  readonly proxyKeyLine: string;
}

export interface FaultWorld {
  readonly swift: SwiftServer;
  /** Raw SDK client to Swift itself (never through a scenario's fault proxy). */
  readonly s3: S3Client;
  readonly pki: TestPki;
  readonly canaries: Canaries;
  /** Folder for one run's files. */
  runDir(name: string): Promise<string>;
  /** Keep run folders after the suite (for a look at a failing seed). */
  keep: boolean;
  close(): Promise<void>;
}

export async function startFaultWorld(): Promise<FaultWorld> {
  const s3Secret = `S3CANARY${randomBytes(12).toString('hex')}`;
  const token = `TOKENCANARY${randomBytes(12).toString('hex')}`;
  const root = await tempDir('espilot-faults-');
  const swift = await startSwift({ users: [{ account: 'canary', user: 'pilot', key: s3Secret }] });
  const pki = await makeTestPki(await mkdirp(join(root.path, 'pki')));
  const keyLines = pki.clientKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
  const s3 = rawS3Client(swift, 3);
  let n = 0;
  const world: FaultWorld = {
    swift, s3, pki, keep: false,
    canaries: { s3Secret, token, proxyKeyLine: keyLines[0]! },
    runDir: (name) => mkdirp(join(root.path, `${String(++n).padStart(3, '0')}-${name}`)),
    async close() {
      s3.destroy();
      await swift.stop();
      if (!world.keep) await root.remove();
      else process.stderr.write(`fault suite: run folders kept in ${root.path}\n`);
    },
  };
  return world;
}

async function mkdirp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return dir;
}
