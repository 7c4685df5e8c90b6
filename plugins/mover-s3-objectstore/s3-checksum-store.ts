/**
 * ChecksumStore for `s3://` objects: the checksums live in the object's user metadata
 * (`x-amz-meta-adler32`, `x-amz-meta-md5`), which the S3 mover writes with the upload. It
 * works through the run's S3 storage service, never through a mover, so it serves whichever
 * mover a site uses for s3://.
 */
import { inject } from '../../core/index.js';
import {
  ChecksumStore, Deadline, LoggerToken, PLUGIN_API_VERSION, ResolverToken, checksumsEqual, pilotPlugin, transferError,
  type Checksum, type Logger, type PluginResolver, type RecordedChecksums,
} from '../../core/index.js';
import { s3Error } from './s3-errors.js';
import { metadataFor, s3StorageOf } from './s3-storage.js';
import { parseS3Url } from './s3-url.js';

@pilotPlugin({ provides: ChecksumStore, name: 's3', schemes: ['s3'], apiVersion: PLUGIN_API_VERSION, description: 'checksums in S3 user metadata' })
export class S3ChecksumStore implements ChecksumStore {
  constructor(
    @inject(ResolverToken) private readonly resolver: PluginResolver,
    @inject(LoggerToken) private readonly log: Logger,
  ) {}

  /**
   * Adds the checksums to the object's metadata (a server-side copy onto itself), unless it
   * already records them: free after this run's own verified upload of the object, one HEAD otherwise.
   * @throws PilotError PUTWRONGSIZE (1139) when the object's size differs, NOSUCHFILE (1103)
   *   when it does not exist, or the S3 failure codes.
   */
  async record(url: string, size: number, checksums: readonly Checksum[]): Promise<void> {
    if (s3StorageOf(this.resolver).written.take(url, size, checksums)) return;
    const { storage, loc, deadline } = await this.open(url);
    try {
      const client = await storage.client(loc);
      const head = await storage.head(client, loc, deadline.signal);
      if (!head) throw transferError('no-such-file', 'in', `cannot record checksums: ${url} does not exist`);
      if (head.size !== size) throw transferError('size-mismatch', 'out', `cannot record checksums: ${url} holds ${head.size} bytes, not ${size}`);
      const missing = checksums.filter((c) => !head.checksums.some((h) => checksumsEqual(h, c)));
      if (missing.length === 0) return;
      await storage.replaceMetadata(client, loc, { ...head.metadata, ...metadataFor(checksums) }, deadline.signal);
      this.log.debug(`recorded ${checksums.map((c) => `${c.type}:${c.value}`).join(' ')} for ${url}`);
    } catch (err) {
      throw s3Error(err, 'out', `recording checksums of ${url}`, deadline.expired);
    } finally {
      deadline.clear();
    }
  }

  async lookup(url: string): Promise<RecordedChecksums | undefined> {
    const { storage, loc, deadline } = await this.open(url);
    try {
      const head = await storage.head(await storage.client(loc), loc, deadline.signal);
      return head ? { size: head.size, checksums: head.checksums } : undefined;
    } catch (err) {
      throw s3Error(err, 'in', `checksum lookup of ${url}`, deadline.expired);
    } finally {
      deadline.clear();
    }
  }

  /** The run's S3 storage: one set of clients and keys per run. */
  private async open(url: string) {
    const loc = parseS3Url(url);
    const storage = s3StorageOf(this.resolver);
    const { requestTimeoutMs, maxAttempts } = storage.options;
    return { storage, loc, deadline: new Deadline(requestTimeoutMs * maxAttempts) };
  }
}
