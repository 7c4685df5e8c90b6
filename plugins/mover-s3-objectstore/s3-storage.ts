/**
 * The S3 side shared by the mover and the checksum store: keys, clients, HEAD, metadata,
 * bucket creation, and what this run wrote. One instance per run, handed out by the resolver
 * (`s3StorageOf`), so the store works with whichever mover a site uses for s3://.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  RecentWrites, parseChecksum, type Checksum, type Logger, type PluginResolver, type QueueData, type SecretRegistry,
} from '../../core/index.js';
import { S3ClientPool } from './s3-clients.js';
import { S3CredentialSource } from './s3-credentials.js';
import { isMissing, isNoSuchBucket } from './s3-errors.js';
import { parseS3Options, type S3MoverOptions } from './s3-options.js';
import { endpointOf, type S3Location } from './s3-url.js';

/** User metadata keys (S3 lowercases them: `x-amz-meta-adler32`). */
export const META_ADLER32 = 'adler32';
export const META_MD5 = 'md5';

export interface S3Head {
  readonly size: number;
  readonly checksums: readonly Checksum[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** The options section the S3 storage is configured from (the built-in mover's). */
export const S3_OPTIONS_SECTION = 's3-objectstore';

/**
 * The run's S3 storage. The first caller's `options` are used; without them, the
 * `pluginOptions.s3-objectstore` section is parsed (the checksum store of a site whose s3://
 * mover is its own).
 * @throws ConfigError for a bad options section.
 */
export function s3StorageOf(resolver: PluginResolver, options?: S3MoverOptions): S3Storage {
  const { settings, secrets, logger } = resolver.services;
  return resolver.shared(S3Storage, () => new S3Storage(
    options ?? parseS3Options(settings.pilot.pluginOptions[S3_OPTIONS_SECTION] ?? {}), settings.queue, resolver, secrets, logger.child('s3-storage'),
  ));
}

export class S3Storage {
  readonly credentials: S3CredentialSource;
  /** Objects this run uploaded with their checksum metadata and verified. */
  readonly written = new RecentWrites();
  private readonly pool: S3ClientPool;

  constructor(readonly options: S3MoverOptions, queue: QueueData, resolver: PluginResolver, secrets: SecretRegistry, private readonly log: Logger) {
    this.credentials = new S3CredentialSource(options, queue, resolver, secrets, log);
    this.pool = new S3ClientPool(options);
  }

  /** The client for a location's endpoint (keys fetched on first use). */
  async client(loc: S3Location): Promise<S3Client> {
    const access = await this.credentials.access(loc);
    return this.pool.get({ endpoint: endpointOf(loc, access.secure), accessKeyId: access.accessKeyId, secretAccessKey: access.secretAccessKey });
  }

  /** HEAD of an object; undefined when it (or its bucket) does not exist. */
  async head(client: S3Client, loc: S3Location, signal?: AbortSignal): Promise<S3Head | undefined> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: signal });
      const metadata = res.Metadata ?? {};
      return { size: res.ContentLength ?? 0, checksums: checksumsFromMetadata(metadata), metadata };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /**
   * Runs `op`; when the bucket does not exist, creates it once and runs `op` again (pilot1
   * created the bucket before every upload; this costs a request only the first time).
   */
  async withBucket<T>(client: S3Client, loc: S3Location, signal: AbortSignal, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (!isNoSuchBucket(err)) throw err;
    }
    await this.createBucket(client, loc, signal);
    return op();
  }

  /** Sets the checksum metadata of an existing object (server-side copy onto itself). */
  async replaceMetadata(client: S3Client, loc: S3Location, metadata: Record<string, string>, signal?: AbortSignal): Promise<void> {
    const { CopyObjectCommand } = await import('@aws-sdk/client-s3');
    await client.send(new CopyObjectCommand({
      Bucket: loc.bucket,
      Key: loc.key,
      CopySource: `${loc.bucket}/${encodeURIComponent(loc.key).replace(/%2F/g, '/')}`,
      MetadataDirective: 'REPLACE',
      Metadata: metadata,
    }), { abortSignal: signal });
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
  }

  private async createBucket(client: S3Client, loc: S3Location, signal: AbortSignal): Promise<void> {
    const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
    try {
      await client.send(new CreateBucketCommand({ Bucket: loc.bucket }), { abortSignal: signal });
      this.log.info(`created bucket ${loc.bucket}`);
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
    }
  }
}

/** The checksums an object's user metadata records (values that do not parse are ignored). */
export function checksumsFromMetadata(metadata: Readonly<Record<string, string>>): Checksum[] {
  const out: Checksum[] = [];
  const take = (key: string, prefix: string) => {
    const v = metadata[key];
    if (!v) return;
    try {
      const c = parseChecksum(`${prefix}:${v}`);
      if (c) out.push(c);
    } catch {
      // A damaged metadata value proves nothing; the caller falls back to what it expects.
    }
  };
  take(META_ADLER32, 'ad');
  take(META_MD5, 'md5');
  return out;
}

/** User metadata for a set of checksums. */
export function metadataFor(checksums: readonly Checksum[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of checksums) out[c.type === 'adler32' ? META_ADLER32 : META_MD5] = c.value;
  return out;
}
