/**
 * The apptainer/singularity command pilot3 builds for a payload (`pilot/user/atlas/container.py`
 * `container_wrapper`): `export workdir=<dir>; <name> --verbose exec <options> <image> /bin/bash
 * -c '<cd $workdir;pwd;command>'`, the options being CRIC `container_options` followed by
 * `,/cvmfs,${workdir},/home` (or `-B /cvmfs,${workdir},/home` when there are none).
 *
 * Nothing here isolates what the yampl channel needs: apptainer shares the host's /tmp (its
 * `mount tmp` default) and passes the environment unless told to contain, so the containment
 * options (`-C`/`--containall`, `-c`/`--contain`) are dropped from `container_options` — with
 * them the payload would get its own /tmp and never find the pilot's socket /tmp/zmq_<name>.
 */
import { shellQuote } from '../../core/index.js';

/** Options that give the container its own /tmp (and, for -C, a clean environment). */
export const CONTAINMENT_OPTIONS: readonly string[] = ['-C', '--containall', '-c', '--contain'];

export interface ApptainerCommandRequest {
  /** `apptainer` or `singularity` (the `container_type` name), or an explicit executable. */
  readonly executable: string;
  /** CRIC `container_options`. */
  readonly containerOptions: string;
  readonly workdir: string;
  readonly image: string;
  /** The payload's shell command. */
  readonly command: string;
}

export interface ApptainerCommand {
  readonly command: string;
  /** Containment options removed from `container_options`. */
  readonly dropped: readonly string[];
}

export function apptainerCommand(req: ApptainerCommandRequest): ApptainerCommand {
  const { kept, dropped } = withoutContainment(req.containerOptions);
  const binds = `${kept ? `${kept},` : '-B '}/cvmfs,\${workdir},/home`;
  const inner = shellQuote(`cd $workdir;pwd;${req.command}`);
  const command = `export workdir=${shellQuote(req.workdir)}; ${req.executable} --verbose exec ${binds} ${shellQuote(req.image)} /bin/bash -c ${inner}`;
  return { command, dropped };
}

function withoutContainment(options: string): { kept: string; dropped: string[] } {
  const words = options.split(/\s+/).filter(Boolean);
  const dropped = words.filter((w) => CONTAINMENT_OPTIONS.includes(w));
  return { kept: words.filter((w) => !CONTAINMENT_OPTIONS.includes(w)).join(' '), dropped };
}
