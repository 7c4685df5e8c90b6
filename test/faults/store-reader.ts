/**
 * What an object store holds after a run, read without the pilot: for S3 through a raw SDK
 * client straight to Swift (not through the fault proxy), for `file://` from the disk. Each
 * object's adler32 and size are recomputed from the stored bytes and compared with what the
 * pilot recorded in the store (S3 user metadata, the local mover's checksum catalog), and
 * the bytes are checked to be exactly the payload's output for the range the name says.
 */
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { adler32, formatAdler32 } from '../../core/index.js';
import { verifySimulatorOutput } from '../../plugins/payload-simulator/index.js';

export interface ObjectFacts {
  readonly key: string;
  /** The eventRangeID the name ends with (`<LFN>.<eventRangeID>`), when it has one. */
  readonly rangeId?: string;
  readonly size: number;
  /** adler32 recomputed from the stored bytes. */
  readonly adler32: string;
  /** adler32 and size the pilot recorded in the store, if any. */
  readonly recordedAdler32?: string;
  readonly recordedSize?: number;
  /** The bytes are the payload's output for `rangeId`; else why not. */
  readonly contentOk: boolean;
  readonly contentProblem?: string;
  /** file:// only: when the object and its checksum record were complete (ctime of the record). */
  readonly completedAt?: number;
}

export interface StoreContents {
  readonly kind: 's3' | 'file';
  readonly objects: ReadonlyMap<string, ObjectFacts>;
  /** Multipart uploads started and neither completed nor aborted (S3), as `key uploadId`. */
  readonly openUploads: readonly string[];
}

const RANGE_ID = /\.(\d+-\d+-\d+-\d+-\d+)$/;

function facts(key: string, bytes: Buffer, recorded: { adler32?: string; size?: number }, completedAt?: number): ObjectFacts {
  const rangeId = RANGE_ID.exec(key)?.[1];
  const v = verifySimulatorOutput(bytes, rangeId ? { eventRangeId: rangeId, name: key } : {});
  return {
    key, ...(rangeId ? { rangeId } : {}), size: bytes.length, adler32: formatAdler32(adler32(bytes)),
    ...(recorded.adler32 !== undefined ? { recordedAdler32: recorded.adler32.toLowerCase().padStart(8, '0') } : {}),
    ...(recorded.size !== undefined ? { recordedSize: recorded.size } : {}),
    contentOk: v.ok, ...(v.ok ? {} : { contentProblem: v.reason }),
    ...(completedAt !== undefined ? { completedAt } : {}),
  };
}

/** Every object of `bucket` (a missing bucket holds nothing). */
export async function readS3Store(client: S3Client, bucket: string): Promise<StoreContents> {
  const objects = new Map<string, ObjectFacts>();
  const openUploads: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
        const bytes = Buffer.from(await res.Body!.transformToByteArray());
        objects.set(o.Key!, facts(o.Key!, bytes, { ...(res.Metadata?.['adler32'] ? { adler32: res.Metadata['adler32'] } : {}), ...(res.ContentLength !== undefined ? { size: res.ContentLength } : {}) }));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) openUploads.push(`${u.Key} ${u.UploadId}`);
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchBucket') throw err;
  }
  return { kind: 's3', objects, openUploads };
}

/** Every object in a `file://` store folder, with the local mover's checksum catalog. */
export async function readFileStore(dir: string): Promise<StoreContents> {
  const objects = new Map<string, ObjectFacts>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const bytes = await readFile(join(dir, name));
    const recordPath = join(dir, '.espilot-checksums', `${name}.json`);
    const record = await readFile(recordPath, 'utf8').then((t) => JSON.parse(t) as { size?: number; checksums?: { type: string; value: string }[] }).catch(() => undefined);
    const completedAt = record ? (await stat(recordPath)).ctimeMs : undefined;
    const ad = record?.checksums?.find((c) => c.type === 'adler32')?.value;
    objects.set(name, facts(name, bytes, { ...(ad ? { adler32: ad } : {}), ...(record?.size !== undefined ? { size: record.size } : {}) }, completedAt));
  }
  return { kind: 'file', objects, openUploads: [] };
}
