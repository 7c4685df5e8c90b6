/**
 * `s3://` object URLs: the legacy pilot1 form `s3://host:port//bucket/key` and the plain form
 * `s3://host:port/bucket/key`. The bucket is the first path component, the key the rest.
 */
import { ErrorCodes, PilotError, refuseDotSegments } from '../../core/index.js';

export interface S3Location {
  readonly host: string;
  /** Undefined when the URL names none (80 or 443 then, by `secure`). */
  readonly port?: number;
  readonly bucket: string;
  readonly key: string;
}

const S3_URL = /^s3:\/\/([^/?#]+)\/+([^/?#]+)\/([^?#]+)$/i;

/**
 * A key with a `.` or `..` segment is refused: an HTTP client or the server may normalise the
 * request path, and `bucket/a/../../other/x` would then name another bucket.
 * @throws PilotError NOSTORAGEPROTOCOL (1313) when `url` is not `s3://host[:port]/[/]bucket/key`;
 *   FILEHANDLINGFAILURE (1303) for dot segments.
 */
export function parseS3Url(url: string): S3Location {
  refuseDotSegments(url);
  const m = S3_URL.exec(url);
  if (!m) {
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `not an S3 object URL: ${url} (expected s3://host:port/bucket/key or s3://host:port//bucket/key)`, { recoverable: false });
  }
  const [, authority, bucket, key] = m as unknown as [string, string, string, string];
  const colon = authority.lastIndexOf(':');
  const hasPort = colon > 0 && !authority.endsWith(']') && /^\d+$/.test(authority.slice(colon + 1));
  const port = hasPort ? Number(authority.slice(colon + 1)) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new PilotError(ErrorCodes.NOSTORAGEPROTOCOL, `bad port in S3 URL ${url}`, { recoverable: false });
  }
  return Object.freeze({ host: hasPort ? authority.slice(0, colon) : authority, ...(port !== undefined ? { port } : {}), bucket, key });
}

/** `host:port` as the URL gives it, the key for credentials and clients. */
export function authorityOf(loc: S3Location): string {
  return loc.port === undefined ? loc.host : `${loc.host}:${loc.port}`;
}

/** The HTTP(S) endpoint of a location. */
export function endpointOf(loc: S3Location, secure: boolean): string {
  const port = loc.port ?? (secure ? 443 : 80);
  const host = loc.host.includes(':') && !loc.host.startsWith('[') ? `[${loc.host}]` : loc.host;
  return `${secure ? 'https' : 'http'}://${host}:${port}`;
}
