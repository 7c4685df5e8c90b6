/**
 * `pluginOptions["s3-objectstore"]`: client settings and, for local use, credentials.
 * In production the keys come from PanDA (getKeyPair) and nothing here holds a secret.
 */
import { ConfigError, DEFAULT_TRANSFER_TIMEOUT, FieldReader, type ConfigIssue, type TransferTimeoutRule } from '../../core/index.js';

export interface S3CredentialOptions {
  readonly accessKey?: string;
  readonly secretKey?: string;
  /** Files holding the keys (first line), read when first needed. */
  readonly accessKeyFile?: string;
  readonly secretKeyFile?: string;
}

/**
 * How a stage-out proves the store holds exactly the local file:
 * - `signed-payload` (default): a single-part upload sends the file as one buffer, so SigV4
 *   signs its SHA-256 and the store refuses a body that differs (AWS, Ceph RGW and Swift s3api
 *   check it); no extra hashing, no extra request.
 * - `content-md5`: also sends Content-MD5 and requires the returned ETag to equal the md5, for
 *   stores that do not check signed payloads.
 * - `head`: a HEAD after every upload compares the size and the adler32 metadata.
 * Multipart uploads are always checked with a HEAD (their ETag is not an md5).
 */
export type UploadVerification = 'signed-payload' | 'content-md5' | 'head';

export interface S3MoverOptions {
  readonly credentials?: S3CredentialOptions;
  /** HTTPS or not; overrides the queue's `is_secure` settings when given. */
  readonly secure?: boolean;
  readonly region: string;
  readonly connectTimeoutMs: number;
  /** Longest silence on a connection before the request fails (it is aborted, not just logged). */
  readonly requestTimeoutMs: number;
  /** SDK attempts per request (first try included) for throttling, 5xx and network faults. */
  readonly maxAttempts: number;
  readonly maxSockets: number;
  /** Files larger than this go up as multipart uploads. */
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  /** Parts uploaded in parallel per multipart upload. */
  readonly queueSize: number;
  /** Also store an md5 (user metadata `md5`) and verify it. */
  readonly md5: boolean;
  readonly verifyUpload: UploadVerification;
  /** Overall deadline per transfer when the request gives none. */
  readonly timeout: TransferTimeoutRule;
}

const MiB = 1024 * 1024;

export const S3_DEFAULTS: S3MoverOptions = Object.freeze({
  region: 'us-east-1',
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  maxAttempts: 3,
  maxSockets: 32,
  multipartThresholdBytes: 16 * MiB,
  partSizeBytes: 8 * MiB,
  queueSize: 4,
  md5: false,
  verifyUpload: 'signed-payload' as UploadVerification,
  timeout: DEFAULT_TRANSFER_TIMEOUT,
});

/** @throws ConfigError naming every bad field. */
export function parseS3Options(raw: unknown): S3MoverOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const d = S3_DEFAULTS;
  let credentials: S3CredentialOptions | undefined;
  if (r.has('credentials')) {
    const c = r.object('credentials');
    const pick = (k: keyof S3CredentialOptions) => {
      const v = c.string(k);
      return v ? { [k]: v } : {};
    };
    credentials = Object.freeze({ ...pick('accessKey'), ...pick('secretKey'), ...pick('accessKeyFile'), ...pick('secretKeyFile') });
    if (!credentials.accessKey && !credentials.accessKeyFile) c.fail('accessKey', 'accessKey or accessKeyFile');
    if (!credentials.secretKey && !credentials.secretKeyFile) c.fail('secretKey', 'secretKey or secretKeyFile');
  }
  const t = r.object('timeout');
  const partSizeBytes = r.int('partSizeBytes', { min: 5 * MiB, max: 5 * 1024 * MiB }, d.partSizeBytes);
  const options: S3MoverOptions = {
    ...(credentials ? { credentials } : {}),
    ...(r.has('secure') ? { secure: r.bool('secure', false) } : {}),
    region: r.string('region', d.region),
    connectTimeoutMs: r.int('connectTimeoutMs', { min: 1 }, d.connectTimeoutMs),
    requestTimeoutMs: r.int('requestTimeoutMs', { min: 1 }, d.requestTimeoutMs),
    maxAttempts: r.int('maxAttempts', { min: 1, max: 10 }, d.maxAttempts),
    maxSockets: r.int('maxSockets', { min: 1, max: 1024 }, d.maxSockets),
    multipartThresholdBytes: r.int('multipartThresholdBytes', { min: 5 * MiB }, d.multipartThresholdBytes),
    partSizeBytes,
    queueSize: r.int('queueSize', { min: 1, max: 64 }, d.queueSize),
    md5: r.bool('md5', d.md5),
    verifyUpload: r.oneOf('verifyUpload', ['signed-payload', 'content-md5', 'head'] as const, d.verifyUpload),
    timeout: {
      baseS: t.number('baseS', { min: 1 }, d.timeout.baseS),
      perMBs: t.number('perMBs', { min: 0 }, d.timeout.perMBs),
      maxS: t.number('maxS', { min: 1 }, d.timeout.maxS),
    },
  };
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(options);
}
