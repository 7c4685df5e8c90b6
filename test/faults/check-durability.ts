/**
 * I1, durable before acknowledged: every range reported `finished` has a stored object
 * holding exactly the payload's output for it, whose recomputed adler32 and size equal what
 * the pilot recorded in the store, and whose upload had completed before the server received
 * the report. Completion comes from records outside the pilot: for S3 the fault proxy's log
 * (the PutObject or CompleteMultipartUpload answered 2xx, and when the answer was out), for a
 * file store the ctime of the checksum record, the last thing the local mover writes.
 * Also no object in the store is a damaged or partial one, whatever its range's fate.
 */
import type { ProxiedRequest } from '../helpers/fault-proxy.js';
import { ms, type CheckContext } from './check-context.js';

export function checkDurability(c: CheckContext): string[] {
  const out: string[] = [];
  for (const [id, entries] of c.finals) {
    const finished = entries.filter((u) => u.eventStatus === 'finished');
    if (finished.length === 0) continue;
    const reportedAt = Math.min(...finished.map((u) => ms(u.time)));
    const p = c.payload.get(id);
    if (c.h.traces.size > 0 && p?.done !== 'output') out.push(`I1: range ${id} was reported finished but the payload never announced an output for it`);
    const objs = c.objects.get(id) ?? [];
    if (objs.length === 0) {
      out.push(`I1: range ${id} was reported finished but the store holds no object for it`);
      continue;
    }
    for (const o of objs) {
      const completedAt = c.h.store.kind === 's3' ? putCompletedAt(c.h.proxyLog, c.h.bucket!, o.key) : o.completedAt;
      if (completedAt === undefined) out.push(`I1: range ${id}: no completed upload of ${o.key} was seen before or after the report`);
      else if (completedAt > reportedAt) out.push(`I1: range ${id} was reported finished at ${iso(reportedAt)}, its object ${o.key} was complete only at ${iso(completedAt)}`);
    }
  }
  for (const o of c.h.store.objects.values()) {
    if (!o.rangeId) continue;
    if (!o.contentOk) out.push(`I1: stored object ${o.key} is not its range's output: ${o.contentProblem}`);
    if (o.recordedAdler32 === undefined) out.push(`I1: stored object ${o.key} has no recorded adler32`);
    else if (o.recordedAdler32 !== o.adler32) out.push(`I1: stored object ${o.key} records adler32 ${o.recordedAdler32}, its bytes have ${o.adler32}`);
    if (o.recordedSize !== undefined && o.recordedSize !== o.size) out.push(`I1: stored object ${o.key} records ${o.recordedSize} bytes, holds ${o.size}`);
  }
  return out;
}

/**
 * When the upload that created `key` was answered: the earliest 2xx answer to a single
 * PutObject of it or to the CompleteMultipartUpload of it, fully handed to the client.
 */
export function putCompletedAt(log: readonly ProxiedRequest[], bucket: string, key: string): number | undefined {
  const path = `/${bucket}/${key}`;
  let best: number | undefined;
  for (const r of log) {
    const [p, query = ''] = r.path.split('?');
    if (p !== path || r.endedAt === undefined || r.status === undefined || r.status < 200 || r.status > 299) continue;
    const single = r.method === 'PUT' && !/(^|&)partNumber=/.test(query);
    const complete = r.method === 'POST' && /(^|&)uploadId=/.test(query);
    if ((single || complete) && (best === undefined || r.endedAt < best)) best = r.endedAt;
  }
  return best;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
