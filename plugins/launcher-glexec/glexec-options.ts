/** `pluginOptions.glexec`. */
import { ConfigError, FieldReader, type ConfigIssue } from '../../core/index.js';

export interface GlexecOptions {
  /** The glexec executable; else `$GLEXEC_LOCATION/sbin/glexec`, `$OSG_GLEXEC_LOCATION`, `/usr/sbin/glexec`. */
  readonly path?: string;
  /** `mkgltempdir`; default: next to glexec. When absent the proxy sandbox is skipped. */
  readonly mkgltempdir?: string;
  /** Deadline of the ping and of each helper call (mkgltempdir, clean-up). */
  readonly timeoutMs: number;
}

/** @throws ConfigError naming each bad field. */
export function parseGlexecOptions(raw: unknown): GlexecOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const path = r.string('path');
  const mkgltempdir = r.string('mkgltempdir');
  for (const [key, v] of [['path', path], ['mkgltempdir', mkgltempdir]] as const) {
    if (v !== undefined && !v.startsWith('/')) r.fail(key, 'an absolute path');
  }
  const timeoutMs = r.int('timeoutMs', { min: 100, max: 600_000 }, 30_000);
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({ ...(path ? { path } : {}), ...(mkgltempdir ? { mkgltempdir } : {}), timeoutMs });
}
