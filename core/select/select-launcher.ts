/**
 * Which PayloadLauncher runs a job's payload. A queue whose `glexec` is `true` or `test`
 * runs payloads under the user's identity through the `glexec` launcher (which itself falls
 * back to `direct` with a warning when glExec is unusable and the mode is `true`); a queue
 * whose `container_type` names `singularity` or `apptainer` for the `pilot` user runs them in
 * a container through the `container` launcher (pilot3 `do_use_container`); otherwise the
 * configured `launcher` (default `direct`).
 */
import type { PilotSettings } from '../config/config-layers.js';
import type { QueueData } from '../contracts/queue-data.js';

export const GLEXEC_LAUNCHER = 'glexec';
export const CONTAINER_LAUNCHER = 'container';

/** The container runtimes pilot3 runs payloads in (`container_type` `<name>:pilot`). */
export const PAYLOAD_CONTAINERS: readonly string[] = ['singularity', 'apptainer'];

export function launcherNameFor(settings: PilotSettings): string {
  if (settings.queue.glexec !== 'false') return GLEXEC_LAUNCHER;
  if (payloadContainer(settings.queue)) return CONTAINER_LAUNCHER;
  return settings.pilot.launcher;
}

/** The container runtime named for the payload (`container_type` user `pilot`), when it is one the pilot runs. */
export function payloadContainer(queue: QueueData): string | undefined {
  const name = queue.containerType['pilot'];
  return name && PAYLOAD_CONTAINERS.includes(name) ? name : undefined;
}
