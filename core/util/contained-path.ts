/**
 * The one way a name (an LFN, an object name, a range's output name: anything the server or
 * the payload chose) becomes a local path or an object URL. Each function proves that the
 * result stays under its root (a folder) or base (a URL's path) and refuses the name otherwise,
 * whether or not the parser at the edge validated it.
 *
 * The name rule, for paths and URLs alike: a non-empty relative name whose `/`-separated
 * segments are neither empty, `.` nor `..`, with no NUL or other control character, no `\`
 * and none of `%`, `?`, `#` (characters that change what a URL names: `%2e%2e` is a `..`
 * segment to every URL parser). A local name is one segment: a file directly in its folder,
 * so no ancestor inside the folder (a symbolic link the payload planted) is ever traversed.
 * Folders that are themselves symbolic links are the caller's to resolve (`realpath`) when it
 * matters; reading an output goes through `openOutputSource`, which checks the real path.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';

/** Characters no name may hold: controls, `\` (a separator to Windows and to WHATWG URLs), and URL syntax. */
const FORBIDDEN = /[\u0000-\u001f\u007f\\%?#]/;

/**
 * Why `name` is not a contained name, or undefined when it is.
 * @param plain one segment only (a file name, no `/`).
 */
export function nameProblem(name: unknown, plain: boolean): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'it is empty';
  const bad = FORBIDDEN.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}`;
  if (name.startsWith('/')) return 'it is an absolute path';
  const segments = name.split('/');
  if (plain && segments.length > 1) return 'it contains "/" (a plain file name is expected)';
  if (segments.some((s) => s === '')) return 'it has an empty path segment';
  if (segments.some((s) => s === '.' || s === '..')) return 'it has a "." or ".." segment';
  return undefined;
}

/**
 * `<root>/<name>` for a plain file name, proven to be directly inside `root`.
 * @param what the field the name comes from, for the error (`input LFN`, `output LFN`).
 * @throws PilotError FILEHANDLINGFAILURE (1303) naming the field, the name and the rule it breaks.
 */
export function containedPath(root: string, name: string, what = 'file name'): string {
  const problem = nameProblem(name, true);
  if (problem) throw refused(what, name, problem, root);
  const top = resolve(root);
  const path = resolve(top, name);
  if (relative(top, path) !== name) throw refused(what, name, 'it does not stay inside the folder', root);
  return path;
}

/** Whether `path` is `root` or below it; both absolute and normalised (e.g. real paths). */
export function isWithin(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith(`..${sep}`));
}

/**
 * `<base>/<name>`, keeping the base's own slashes (xrootd's `root://host//path`, the legacy
 * `s3://host:port//bucket`), proven to stay under the base's path: the name obeys the rule
 * above, and the URL parsed back has the base's scheme, authority and path as a prefix of
 * its own (decoded) path.
 * @throws PilotError FILEHANDLINGFAILURE (1303) for a bad name, a base with a query or fragment
 *   (a name appended to it would not be in its path), or a URL that does not stay under the base.
 */
export function containedUrl(base: string, name: string, what = 'object name'): string {
  const problem = nameProblem(name, false);
  if (problem) throw refused(what, name, problem, base);
  if (/[?#]/.test(base)) throw refused(what, name, 'its base URL has a query or fragment, so no name can be appended to its path', base);
  const url = base.endsWith('/') ? `${base}${name}` : `${base}/${name}`;
  const dots = dotSegmentOf(url);
  if (dots) throw refused(what, name, `the URL has a ${JSON.stringify(dots)} segment`, base);
  let b: URL;
  let u: URL;
  try {
    b = new URL(base);
    u = new URL(url);
  } catch {
    // Not a URL a WHATWG parser reads (a bare path): the name rule alone keeps it under the base.
    return url;
  }
  const prefix = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
  const same = u.protocol === b.protocol && u.host === b.host && u.username === b.username && u.password === b.password && u.search === '' && u.hash === '';
  if (!same || !decoded(u.pathname).startsWith(decoded(prefix)) || decoded(u.pathname) !== `${decoded(prefix)}${name}`) {
    throw refused(what, name, 'the URL does not stay under the base', base);
  }
  return url;
}

/**
 * Refuses a URL whose path holds a `.` or `..` segment, raw or percent-encoded (`%2e%2e`),
 * before anything (a URL parser, `fileURLToPath`, an HTTP client) can normalise it away.
 * Movers call this on the URLs they are handed.
 * @throws PilotError FILEHANDLINGFAILURE (1303).
 */
export function refuseDotSegments(url: string): void {
  const dots = dotSegmentOf(url);
  if (dots) throw new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `URL ${JSON.stringify(url)} is refused: its path has a ${JSON.stringify(dots)} segment`, { recoverable: false });
}

/** The first `.`/`..` segment (raw or decoded) of a URL's path, or undefined. */
function dotSegmentOf(url: string): string | undefined {
  const afterScheme = url.replace(/^[a-z][a-z0-9+.-]*:/i, '');
  const path = (afterScheme.startsWith('//') ? afterScheme.replace(/^\/\/[^/?#]*/, '') : afterScheme).split(/[?#]/)[0]!;
  for (const seg of path.split('/')) {
    const d = decoded(seg).toLowerCase();
    // `%2e`, `.%2E`, and anything with an encoded `/` or `\` that splits into such a segment.
    if (d === '.' || d === '..' || d.split(/[/\\]/).some((s) => s === '.' || s === '..')) return seg;
  }
  return undefined;
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function refused(what: string, name: unknown, why: string, under: string): PilotError {
  const shown = JSON.stringify(typeof name === 'string' ? name.slice(0, 300) : name);
  return new PilotError(ErrorCodes.FILEHANDLINGFAILURE, `${what} ${shown} is refused: ${why} (a name must stay under ${under})`, { recoverable: false });
}
