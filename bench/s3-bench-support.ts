/**
 * What the S3 benchmarks (B4, B5, B6b) share: test files, a bounded pool, a raw SDK client
 * configured exactly as the mover's, and the S3 mover of a fresh run.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SiteMover, createRun, type PilotRun, type SiteMover as Mover } from '../core/index.js';
import { S3_DEFAULTS, s3Agents, s3ClientConfig } from '../plugins/mover-s3-objectstore/index.js';
import type { SwiftServer } from '../test/helpers/swift-server.js';

/** `count` files of `bytes` each, all different (the first 4 bytes hold the index). */
export async function makeFiles(dir: string, count: number, bytes: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const block = randomBytes(bytes);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    block.writeUInt32LE(i, 0);
    const p = join(dir, `out.${i}`);
    await writeFile(p, block);
    files.push(p);
  }
  return files;
}

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A random bucket name with a prefix (S3 rules: lower case, digits, dashes). */
export function bucketName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface RawS3 {
  readonly client: S3Client;
  /** Destroys the client and its sockets. */
  close(): void;
}

/** An SDK client with the mover's default settings (same agents, timeouts, checksum policy). */
export function rawS3(swift: SwiftServer): RawS3 {
  const agents = s3Agents(S3_DEFAULTS);
  const client = new S3Client(s3ClientConfig(S3_DEFAULTS, { endpoint: swift.endpoint, accessKeyId: swift.accessKey, secretAccessKey: swift.secretKey }, agents));
  return { client, close: () => { client.destroy(); agents.http.destroy(); agents.https.destroy(); } };
}

/** Creates a bucket with a raw client. */
export async function createBucket(raw: RawS3, bucket: string): Promise<void> {
  await raw.client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export interface MoverRun {
  readonly run: PilotRun;
  readonly mover: Mover;
}

/** The S3 mover of a fresh run with Swift's keys and the given plugin options. */
export async function s3MoverRun(swift: SwiftServer, options: Record<string, unknown> = {}): Promise<MoverRun> {
  const run = await createRun({
    logSink: () => undefined,
    cli: { pilot: { pluginOptions: { 's3-objectstore': { credentials: { accessKey: swift.accessKey, secretKey: swift.secretKey }, ...options } } } },
  });
  return { run, mover: run.resolver.get<Mover>(SiteMover, 's3-objectstore') };
}

/** Objects (or calls) per second and this process's CPU ms per item, of one timed pass. */
export async function timedPass<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<unknown>): Promise<{ rate: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(items, concurrency, fn);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: items.length / seconds, cpu: (cpu.user + cpu.system) / 1000 / items.length };
}

export { S3_DEFAULTS };
