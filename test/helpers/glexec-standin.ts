/**
 * glexec is not packaged for this OS. This helper writes a stand-in `glexec` that behaves like
 * the real one where it matters: it authorises only with a readable GLEXEC_CLIENT_CERT, hands
 * GLEXEC_SOURCE_PROXY over to GLEXEC_TARGET_PROXY owned by the target user with mode 0600, and
 * performs a REAL identity switch (setpriv) to an unprivileged uid before running its
 * arguments. A sibling `mkgltempdir` makes a sandbox owned by that uid. Tests run as root.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TARGET_UID = 65534; // nobody

export interface GlexecStandIn {
  readonly dir: string;
  readonly glexec: string;
  /** One line per call: `<source proxy> <target proxy> <argv...>`. */
  readonly callLog: string;
}

export async function writeGlexecStandIn(base: string, opts: { failing?: boolean; withMkgltempdir?: boolean } = {}): Promise<GlexecStandIn> {
  const dir = join(base, opts.failing ? 'glexec-broken' : 'glexec-ok');
  await mkdir(dir, { recursive: true });
  await chmod(base, 0o755);
  const callLog = join(dir, 'calls.log');
  const glexec = join(dir, 'glexec');
  await writeFile(glexec, opts.failing
    ? '#!/bin/sh\necho "glexec: authorization failed (LCAS)" >&2\nexit 203\n'
    : [
      '#!/bin/sh',
      `echo "\${GLEXEC_SOURCE_PROXY:--} \${GLEXEC_TARGET_PROXY:--} $*" >> ${callLog}`,
      '[ -r "${GLEXEC_CLIENT_CERT:-/nonexistent}" ] || { echo "glexec: GLEXEC_CLIENT_CERT not readable" >&2; exit 202; }',
      'if [ -n "${GLEXEC_SOURCE_PROXY:-}" ] && [ -n "${GLEXEC_TARGET_PROXY:-}" ]; then',
      `  install -o ${TARGET_UID} -g ${TARGET_UID} -m 600 "$GLEXEC_SOURCE_PROXY" "$GLEXEC_TARGET_PROXY" || exit 204`,
      'fi',
      `exec setpriv --reuid=${TARGET_UID} --regid=${TARGET_UID} --clear-groups -- "$@"`,
      '',
    ].join('\n'), { mode: 0o755 });
  if (opts.withMkgltempdir !== false) {
    await writeFile(join(dir, 'mkgltempdir'), [
      '#!/bin/sh',
      'mode=700; [ "$1" = -t ] && mode=$2',
      'd=$(mktemp -d /tmp/glexec-sandbox.XXXXXX) || exit 1',
      `chown ${TARGET_UID}:${TARGET_UID} "$d" && chmod "$mode" "$d" && echo "$d"`,
      '',
    ].join('\n'), { mode: 0o755 });
  }
  return { dir, glexec, callLog };
}
