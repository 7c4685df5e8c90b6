/** `pluginOptions.container`: how the `container` launcher runs payloads. */
import { ConfigError, FieldReader, type ConfigIssue } from '../../core/index.js';

export type ContainerRuntime = 'apptainer' | 'bwrap';

export interface ContainerOptions {
  /**
   * `apptainer`: the queue's `container_type` runtime (`apptainer` or `singularity`), pilot3's
   * command; `bwrap`: bubblewrap, an unprivileged sandbox with the same sharing (sites and tests
   * without apptainer).
   */
  readonly runtime: ContainerRuntime;
  /** The runtime's executable; default the `container_type` name (apptainer) or `bwrap` (found on PATH). */
  readonly executable?: string;
  /** The apptainer image (pilot3 `job.imagename` / the grid image); required by the apptainer runtime. */
  readonly image?: string;
  /** Host paths made visible read-only inside the bwrap sandbox (the software area, e.g. `/cvmfs`). */
  readonly readOnlyBinds: readonly string[];
}

/** @throws ConfigError naming each bad field. */
export function parseContainerOptions(raw: unknown): ContainerOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const runtime = r.oneOf('runtime', ['apptainer', 'bwrap'] as const, 'apptainer');
  const executable = r.string('executable');
  const image = r.string('image');
  const readOnlyBinds = r.stringList('readOnlyBinds') ?? [];
  readOnlyBinds.forEach((p, i) => { if (!p.startsWith('/')) issues.push({ path: `${r.at('readOnlyBinds')}[${i}]`, expected: 'an absolute path', got: JSON.stringify(p) }); });
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({ runtime, ...(executable ? { executable } : {}), ...(image ? { image } : {}), readOnlyBinds: Object.freeze([...readOnlyBinds]) });
}
