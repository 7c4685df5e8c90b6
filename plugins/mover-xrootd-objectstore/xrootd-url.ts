/**
 * `root://host[:port]//abs/path` URLs: the server and the absolute path on it. A single slash
 * after the authority (`root://host/path`) names the same absolute path.
 */
import { ErrorCodes, PilotError, refuseDotSegments } from '../../core/index.js';

export interface RootLocation {
  /** `host:port` (or `host`), as xrdfs takes it. */
  readonly server: string;
  /** Absolute path on the server: `/atlas/eventservice/x`. */
  readonly path: string;
}

const ROOT_URL = /^(?:root|xroot|roots|xroots):\/\/([^/?#]+)\/+([^?#]*)(\?[^#]*)?$/i;

/**
 * A path with a `.` or `..` segment (raw or encoded) is refused: the server resolves it.
 * @throws PilotError NOSTORAGEPROTOCOL (1313) for anything else; FILEHANDLINGFAILURE (1303) for dot segments.
 */
export function parseRootUrl(url: string): RootLocation {
  refuseDotSegments(url);
  const m = ROOT_URL.exec(url);
  if (!m || !m[2]) {
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `not an xrootd object URL: ${url} (expected root://host:port//path)`, { recoverable: false });
  }
  return Object.freeze({ server: m[1]!, path: `/${m[2]}` });
}
