/**
 * Which PayloadLauncher runs a job's payload. A queue whose `glexec` is `true` or `test`
 * runs payloads under the user's identity through the `glexec` launcher (which itself falls
 * back to `direct` with a warning when glExec is unusable and the mode is `true`); otherwise
 * the configured `launcher` (default `direct`).
 */
import type { PilotSettings } from '../config/config-layers.js';

export const GLEXEC_LAUNCHER = 'glexec';

export function launcherNameFor(settings: PilotSettings): string {
  return settings.queue.glexec === 'false' ? settings.pilot.launcher : GLEXEC_LAUNCHER;
}
