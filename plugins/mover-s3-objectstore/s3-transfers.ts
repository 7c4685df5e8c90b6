/**
 * The byte-moving halves of the S3 mover: single PUT or multipart upload from a local file,
 * and a streamed GET into a temp file, checksumming the bytes as they pass.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { ChecksumAccumulator, adler32, checksumFile, formatAdler32, type Checksum } from '../../core/index.js';
import type { BodyBuffers } from './body-buffers.js';
import { isMissing, isNoSuchBucket, statusOf } from './s3-errors.js';
import type { S3MoverOptions } from './s3-options.js';
import type { S3Location } from './s3-url.js';

export interface LocalSource {
  readonly path: string;
  readonly size: number;
  /** The whole file, for single-part uploads: the bytes checksummed are the bytes sent. */
  readonly body?: Buffer;
  readonly adler32: Checksum;
  readonly md5?: Checksum;
  /** Gives the body's memory back; call once the upload settled. */
  readonly release: () => void;
}

/**
 * Reads (single-part, into a buffer from `buffers`) or scans (multipart) the local file once
 * for its checksums.
 */
export async function readSource(path: string, size: number, singlePart: boolean, md5: boolean, buffers: BodyBuffers): Promise<LocalSource> {
  if (!singlePart) {
    const sums = await checksumFile(path, md5 ? ['adler32', 'md5'] : ['adler32']);
    return { path, size: sums.size, adler32: sums.adler32, ...(sums.md5 ? { md5: sums.md5 } : {}), release: () => undefined };
  }
  const pooled = await buffers.read(path, size);
  const body = pooled?.body ?? (await readFile(path));
  let released = false;
  return {
    path,
    size: body.length,
    body,
    release: () => {
      if (pooled && !released) buffers.give(pooled.buffer);
      released = true;
    },
    adler32: { type: 'adler32', value: formatAdler32(adler32(body)) },
    ...(md5 ? { md5: { type: 'md5' as const, value: createHash('md5').update(body).digest('hex') } } : {}),
  };
}

export interface UploadOutcome {
  /** The ETag the store returned, without quotes. */
  readonly etag?: string;
  /** adler32 of the bytes actually streamed (multipart), to catch a file changing under us. */
  readonly sentAdler32?: Checksum;
  readonly multipart: boolean;
}

/**
 * Uploads `src` with `metadata`. A single PUT sends a buffer (its SHA-256 is signed) and, with
 * `contentMd5`, Content-MD5 as well: either way the store refuses a damaged body.
 */
export async function upload(
  client: S3Client, loc: S3Location, src: LocalSource, metadata: Record<string, string>, options: S3MoverOptions, signal: AbortSignal, contentMd5 = false,
): Promise<UploadOutcome> {
  if (src.body) {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const res = await client.send(new PutObjectCommand({
      Bucket: loc.bucket,
      Key: loc.key,
      Body: src.body,
      ContentLength: src.size,
      ...(contentMd5 && src.md5 ? { ContentMD5: Buffer.from(src.md5.value, 'hex').toString('base64') } : {}),
      Metadata: metadata,
    }), { abortSignal: signal });
    return { ...(res.ETag ? { etag: unquote(res.ETag) } : {}), multipart: false };
  }
  const { Upload } = await import('@aws-sdk/lib-storage');
  // Best effort: a dead pilot's upload of this key is aborted now so its parts go at once;
  // the sweep after the upload is the one that must succeed.
  await abortStaleUploads(client, loc, signal).catch((err) => { if (signal.aborted) throw err; });
  const acc = new ChecksumAccumulator(['adler32']);
  const tap = new Transform({ transform(chunk: Buffer, _enc, done) { acc.update(chunk); done(null, chunk); } });
  const body = createReadStream(src.path).pipe(tap);
  const up = new Upload({
    client,
    params: { Bucket: loc.bucket, Key: loc.key, Body: body, Metadata: metadata },
    partSize: options.partSizeBytes,
    queueSize: options.queueSize,
    leavePartsOnError: false,
  });
  const onAbort = () => void up.abort().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  let res;
  try {
    res = await up.done();
  } catch (err) {
    // lib-storage's own Abort may have failed, or not be sent before this process ends (done()
    // returns at once when aborted): this attempt closes its upload itself, on a fresh deadline.
    if (up.uploadId) await abortUpload(client, loc, up.uploadId, options).catch(() => undefined);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    body.destroy();
  }
  // Any other upload of this key is dead (an earlier attempt whose Complete and Abort failed, a
  // killed pilot's, one the listing before missed): none may outlive the stored object.
  await abortStaleUploads(client, loc, signal, up.uploadId);
  return { ...(res.ETag ? { etag: unquote(res.ETag) } : {}), sentAdler32: acc.digest()[0]!, multipart: true };
}

/** AbortMultipartUpload of one upload, bounded by the request timeout × attempts, whatever the transfer's deadline. */
async function abortUpload(client: S3Client, loc: S3Location, uploadId: string, options: S3MoverOptions): Promise<void> {
  const { AbortMultipartUploadCommand } = await import('@aws-sdk/client-s3');
  await client.send(new AbortMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, UploadId: uploadId }), { abortSignal: AbortSignal.timeout(options.requestTimeoutMs * options.maxAttempts) });
}

/**
 * Aborts the multipart uploads of this very key that were started and never finished
 * (except `keep`): a pilot killed in the middle of one, or an attempt whose Complete and
 * Abort both failed, leaves its parts in the store (invisible, but kept and billed) and
 * nothing else will ever clean them up. The key is a range's output, written only by this
 * job, so an open upload of it is a dead one. A store that cannot list multipart uploads
 * (501/405, or no bucket yet) is left as it is; any other failure is thrown (recoverable,
 * as the SDK's), so a stage-out never counts as done while it may leave an upload open.
 */
export async function abortStaleUploads(client: S3Client, loc: S3Location, signal: AbortSignal, keep?: string): Promise<number> {
  const { AbortMultipartUploadCommand, ListMultipartUploadsCommand } = await import('@aws-sdk/client-s3');
  let listed;
  try {
    listed = await client.send(new ListMultipartUploadsCommand({ Bucket: loc.bucket, Prefix: loc.key }), { abortSignal: signal });
  } catch (err) {
    const status = statusOf(err);
    if (!signal.aborted && (status === 501 || status === 405 || isNoSuchBucket(err))) return 0; // nothing we can clean
    throw err;
  }
  let aborted = 0;
  for (const u of listed.Uploads ?? []) {
    if (u.Key !== loc.key || !u.UploadId || u.UploadId === keep) continue;
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, UploadId: u.UploadId }), { abortSignal: signal });
    } catch (err) {
      if (!isMissing(err)) throw err; // NoSuchUpload: its own attempt closed it meanwhile
    }
    aborted++;
  }
  return aborted;
}

export interface DownloadOutcome {
  readonly size: number;
  readonly adler32: Checksum;
  readonly md5?: Checksum;
  readonly contentLength?: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Streams an object into `tempPath` (created exclusively), checksumming on the way; `md5`
 * decides from the object's metadata whether an md5 is needed too.
 */
export async function download(
  client: S3Client, loc: S3Location, tempPath: string, md5: (metadata: Record<string, string>) => boolean, signal: AbortSignal,
): Promise<DownloadOutcome> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const res = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: signal });
  const acc = new ChecksumAccumulator(md5(res.Metadata ?? {}) ? ['adler32', 'md5'] : ['adler32']);
  const fh = await open(tempPath, 'wx', 0o644);
  try {
    for await (const chunk of res.Body as AsyncIterable<Buffer>) {
      acc.update(chunk);
      await fh.write(chunk);
    }
  } finally {
    await fh.close();
  }
  const [ad, m] = acc.digest();
  return {
    size: acc.size,
    adler32: ad!,
    ...(m ? { md5: m } : {}),
    ...(res.ContentLength !== undefined ? { contentLength: res.ContentLength } : {}),
    metadata: res.Metadata ?? {},
  };
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
