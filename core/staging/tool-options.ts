/**
 * Options shared by the movers that drive command-line tools (xrdcp/xrdfs, gfal-*), and the
 * XRootD client settings that make them fail fast when a server is down (reference
 * ecosystem.md §2: with defaults xrdcp hangs > 40 s on a closed port).
 */
import type { FieldReader } from '../config/field-reader.js';
import { DEFAULT_TRANSFER_TIMEOUT, type TransferTimeoutRule } from './transfer-errors.js';

export interface ToolMoverOptions {
  /** XRD_CONNECTIONWINDOW: seconds to wait for a connection (one attempt: XRD_CONNECTIONRETRY=1). */
  readonly connectionWindowS: number;
  /** XRD_REQUESTTIMEOUT: seconds for any single request. */
  readonly requestTimeoutS: number;
  /** Deadline of metadata commands (stat, checksum, rm, mkdir). */
  readonly metadataTimeoutS: number;
  /** Deadline of a copy when the request gives none (pilot3: 400 s + 1 s/MB, at most 3 h). */
  readonly timeout: TransferTimeoutRule;
}

/** Reads the shared fields of a tool mover's options section, collecting issues in `r`. */
export function readToolMoverOptions(r: FieldReader): ToolMoverOptions {
  const t = r.object('timeout');
  const d = DEFAULT_TRANSFER_TIMEOUT;
  return {
    connectionWindowS: r.int('connectionWindowS', { min: 1, max: 3600 }, 10),
    requestTimeoutS: r.int('requestTimeoutS', { min: 1, max: 86_400 }, 120),
    metadataTimeoutS: r.int('metadataTimeoutS', { min: 1, max: 3600 }, 120),
    timeout: {
      baseS: t.number('baseS', { min: 1 }, d.baseS),
      perMBs: t.number('perMBs', { min: 0 }, d.perMBs),
      maxS: t.number('maxS', { min: 1 }, d.maxS),
    },
  };
}

/** XRD_* settings for any child that speaks root:// (xrdcp, xrdfs, gfal's xrootd plugin). */
export function xrootdClientEnv(o: Pick<ToolMoverOptions, 'connectionWindowS' | 'requestTimeoutS'>): Record<string, string> {
  return {
    XRD_CONNECTIONRETRY: '1',
    XRD_CONNECTIONWINDOW: String(o.connectionWindowS),
    XRD_REQUESTTIMEOUT: String(o.requestTimeoutS),
  };
}
