/**
 * SiteMover for S3 object stores (`s3://host:port/bucket/key`, also the legacy `//bucket`
 * form): the pilot's ES output path. adler32 (and md5) go up as user metadata and every copy
 * is verified: on upload by the store (signed SHA-256 / Content-MD5) or a HEAD, on download
 * by recomputing.
 */
import { inject } from '../../core/index.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  Deadline, LoggerToken, PLUGIN_API_VERSION, PilotError, PluginOptions, ResolverToken, SiteMover,
  checkLocalSource, checksumsEqual, localFileSize, mismatchKind, partialPath, pilotPlugin, transferError, transferTimeoutMs,
  type Checksum, type Logger, type PluginResolver, type RemoteObject, type TransferRequest, type TransferResult,
} from '../../core/index.js';
import { s3Error, isMissing, s3FailureKind } from './s3-errors.js';
import { parseS3Options, type S3MoverOptions } from './s3-options.js';
import { checksumsFromMetadata, metadataFor, s3StorageOf, type S3Storage } from './s3-storage.js';
import { BodyBuffers } from './body-buffers.js';
import { download, readSource, upload, type LocalSource, type UploadOutcome } from './s3-transfers.js';
import { parseS3Url, type S3Location } from './s3-url.js';

@pilotPlugin({
  provides: SiteMover,
  name: 's3-objectstore',
  aliases: ['s3'],
  schemeAliases: ['objectstore'],
  schemes: ['s3'],
  options: parseS3Options,
  apiVersion: PLUGIN_API_VERSION,
  description: 'S3 object stores via @aws-sdk/client-s3: adler32 in user metadata, verified both ways',
})
export class S3Mover implements SiteMover {
  /** Keys, clients and metadata, shared with the s3 checksum store through the resolver. */
  private readonly storage: S3Storage;
  /** Memory for single-part bodies, reused from upload to upload (GC pressure, B5). */
  private readonly bodies: BodyBuffers;

  constructor(
    @inject(PluginOptions) private readonly options: S3MoverOptions,
    @inject(ResolverToken) resolver: PluginResolver,
    @inject(LoggerToken) private readonly log: Logger,
  ) {
    this.storage = s3StorageOf(resolver, options);
    this.bodies = new BodyBuffers(options.maxSockets, Math.min(options.multipartThresholdBytes, 4 * 1024 * 1024));
  }

  async stageOut(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const loc = parseS3Url(req.url);
    const size = await localFileSize(req.localPath);
    const deadline = new Deadline(req.timeoutMs ?? transferTimeoutMs(size, this.options.timeout), req.signal);
    try {
      const client = await this.storage.client(loc);
      if (req.overwrite === false && (await this.storage.head(client, loc, deadline.signal))) {
        throw transferError('file-exists', 'out', `${req.url} already exists`);
      }
      const single = size <= this.options.multipartThresholdBytes;
      const md5 = this.options.md5 || req.checksum?.type === 'md5' || (single && this.options.verifyUpload === 'content-md5');
      const src = await readSource(req.localPath, size, single, md5, this.bodies);
      try {
        checkLocalSource(req, src);
        const sums = src.md5 ? [src.adler32, src.md5] : [src.adler32];
        const contentMd5 = this.options.verifyUpload === 'content-md5';
        const sent = await this.storage.withBucket(client, loc, deadline.signal, () => upload(client, loc, src, metadataFor(sums), this.options, deadline.signal, contentMd5));
        await this.verifyUpload(client, loc, src, sent, req.url, deadline.signal);
        // The metadata went up with the object: the checksum store's record has nothing left to write.
        this.storage.written.note(req.url, src.size, sums);
        this.log.debug(`stored ${req.url} (${src.size} bytes, ad:${src.adler32.value}${sent.multipart ? ', multipart' : ''})`);
        return { url: req.url, size: src.size, checksum: src.adler32, durationMs: Date.now() - started };
      } finally {
        src.release();
      }
    } catch (err) {
      throw this.failure(err, 'out', `stage-out of ${req.localPath} to ${req.url}`, deadline);
    } finally {
      deadline.clear();
    }
  }

  async stageIn(req: TransferRequest): Promise<TransferResult> {
    const started = Date.now();
    const loc = parseS3Url(req.url);
    const deadline = new Deadline(req.timeoutMs ?? transferTimeoutMs(req.size ?? 0, this.options.timeout), req.signal);
    const tmp = partialPath(req.localPath);
    try {
      const client = await this.storage.client(loc);
      await mkdir(dirname(req.localPath), { recursive: true });
      // md5 is computed only when it is what we can verify against.
      const md5 = (recorded: readonly Checksum[]) => req.checksum?.type === 'md5' || (!req.checksum && !recorded.some((c) => c.type === 'adler32') && recorded.some((c) => c.type === 'md5'));
      const got = await download(client, loc, tmp, (meta) => md5(checksumsFromMetadata(meta)), deadline.signal);
      const recorded = checksumsFromMetadata(got.metadata);
      const expected = req.checksum ?? recorded.find((c) => c.type === 'adler32') ?? recorded.find((c) => c.type === 'md5');
      const expectedSize = req.size ?? got.contentLength;
      if (expectedSize !== undefined && got.size !== expectedSize) {
        throw transferError('size-mismatch', 'in', `${req.url} gave ${got.size} bytes, expected ${expectedSize}`);
      }
      const actual = expected?.type === 'md5' ? got.md5 : got.adler32;
      if (expected && actual && !checksumsEqual(expected, actual)) {
        throw transferError(mismatchKind(expected.type), 'in', `${expected.type} mismatch for ${req.url}: expected ${expected.value}, got ${actual.value}`);
      }
      if (!expected) this.log.warn(`${req.url}: no checksum recorded or expected; only the size was verified`);
      await rename(tmp, req.localPath);
      return { url: req.url, size: got.size, checksum: got.adler32, durationMs: Date.now() - started };
    } catch (err) {
      await rm(tmp, { force: true });
      throw this.failure(err, 'in', `stage-in of ${req.url}`, deadline);
    } finally {
      deadline.clear();
    }
  }

  async stat(url: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    const loc = parseS3Url(url);
    const deadline = new Deadline(this.options.requestTimeoutMs * this.options.maxAttempts, signal);
    try {
      const head = await this.storage.head(await this.storage.client(loc), loc, deadline.signal);
      return head ? { url, size: head.size, checksums: head.checksums } : undefined;
    } catch (err) {
      throw this.failure(err, 'in', `stat of ${url}`, deadline);
    } finally {
      deadline.clear();
    }
  }

  async delete(url: string, signal?: AbortSignal): Promise<void> {
    const loc = parseS3Url(url);
    this.storage.written.forget(url);
    const deadline = new Deadline(this.options.requestTimeoutMs * this.options.maxAttempts, signal);
    try {
      const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
      await (await this.storage.client(loc)).send(new DeleteObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: deadline.signal });
    } catch (err) {
      if (isMissing(err)) return;
      throw this.failure(err, 'out', `delete of ${url}`, deadline);
    } finally {
      deadline.clear();
    }
  }

  /**
   * Proves the stored object is the local file. A single PUT was checked by the store itself
   * (signed SHA-256, or Content-MD5 and the ETag); otherwise a HEAD compares size and metadata.
   * A bad copy is deleted, so the name never holds it.
   */
  private async verifyUpload(client: Parameters<S3Storage['head']>[0], loc: S3Location, src: LocalSource, sent: UploadOutcome, url: string, signal: AbortSignal): Promise<void> {
    const mode = this.options.verifyUpload;
    let problem: PilotError | undefined;
    if (sent.sentAdler32 && !checksumsEqual(sent.sentAdler32, src.adler32)) {
      problem = transferError('adler32-mismatch', 'out', `${src.path} changed during the upload to ${url} (adler32 ${src.adler32.value} before, ${sent.sentAdler32.value} sent)`, { recoverable: true });
    } else if (!sent.multipart && mode === 'signed-payload') {
      return;
    } else if (!sent.multipart && mode === 'content-md5' && src.md5) {
      if (sent.etag !== src.md5.value) problem = transferError('md5-mismatch', 'out', `${url}: the store answered ETag ${sent.etag ?? 'none'} for md5 ${src.md5.value}`, { recoverable: true });
    } else {
      const head = await this.storage.head(client, loc, signal);
      const stored = head?.checksums.find((c) => c.type === 'adler32');
      if (!head) problem = transferError('failed', 'out', `${url} is not in the store after the upload`);
      else if (head.size !== src.size) problem = transferError('size-mismatch', 'out', `${url} holds ${head.size} bytes, ${src.size} were sent`, { recoverable: true });
      else if (!stored || !checksumsEqual(stored, src.adler32)) problem = transferError('adler32-mismatch', 'out', `${url} records adler32 ${stored?.value ?? 'none'}, expected ${src.adler32.value}`, { recoverable: true });
    }
    if (!problem) return;
    await this.delete(url).catch((err) => this.log.warn(`could not remove the bad copy ${url}: ${(err as Error).message}`));
    throw problem;
  }

  private failure(err: unknown, direction: 'in' | 'out', what: string, deadline: Deadline): PilotError {
    if (!(err instanceof PilotError) && s3FailureKind(err, deadline.expired) === 'authentication') this.storage.credentials.forget();
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return transferError('no-space', direction, `${what}: no space left on the local disk`, { cause: err });
    return s3Error(err, direction, what, deadline.expired);
  }
}
