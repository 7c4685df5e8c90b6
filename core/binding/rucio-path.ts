/**
 * Rucio's deterministic path of a file under an endpoint: `<scope as folders>/<md5[0:2]>/<md5[2:4]>/<lfn>`
 * with md5 of `<scope>:<lfn>` (pilot3 `get_path`, used by `resolve_surl` for stage-out to an
 * endpoint CRIC marks `is_deterministic`). Rucio finds a replica on such an endpoint by this path
 * alone, so an output written elsewhere is one Rucio cannot find.
 */
import { createHash } from 'node:crypto';

export function rucioPath(scope: string, lfn: string): string {
  const md5 = createHash('md5').update(`${scope}:${lfn}`, 'utf8').digest('hex');
  return [...scope.split('.'), md5.slice(0, 2), md5.slice(2, 4), lfn].filter((p) => p !== '').join('/');
}
