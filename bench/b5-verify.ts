/**
 * B5's own sanity checks, so a fast result cannot hide a wrong one: every range has exactly
 * one object of the right size, and a sample of objects holds exactly what the payload wrote
 * for its range. (The fault suite, test/faults, checks the invariants in depth.)
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DispatcherSnapshot } from '../plugins/panda-local/index.js';
import { verifySimulatorOutput } from '../plugins/payload-simulator/index.js';

/** Every key and size in a bucket. */
export async function listBucket(client: S3Client, bucket: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) out.set(o.Key!, o.Size ?? -1);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * @throws Error naming the first problem: a finished range without its object, an object of
 *   the wrong size, extra objects, or a sampled object whose bytes are not its range's output.
 */
export async function checkStoredOutputs(client: S3Client, bucket: string, s: DispatcherSnapshot, bodyBytes: number, sample = 20): Promise<void> {
  const objects = await listBucket(client, bucket);
  const finished = s.rangeUpdates.filter((u) => u.eventStatus === 'finished' && u.outcome === 'applied').map((u) => u.eventRangeId!);
  const lfn = s.task.outputLfn;
  for (const id of finished) {
    const size = objects.get(`${lfn}.${id}`);
    // The payload writes a header line (under 512 bytes) before the body.
    if (size === undefined || size < bodyBytes || size > bodyBytes + 512) throw new Error(`B5: range ${id} has ${size === undefined ? 'no object' : `an object of ${size} bytes`} in ${bucket}`);
  }
  if (objects.size !== finished.length) throw new Error(`B5: ${objects.size} objects in ${bucket} for ${finished.length} finished ranges`);
  const step = Math.max(1, Math.floor(finished.length / sample));
  for (let i = 0; i < finished.length; i += step) {
    const id = finished[i]!;
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${lfn}.${id}` }));
    const v = verifySimulatorOutput(await res.Body!.transformToByteArray(), { eventRangeId: id });
    if (!v.ok) throw new Error(`B5: the object of range ${id} is wrong: ${v.reason}`);
  }
}
