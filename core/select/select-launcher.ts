import type { PilotSettings } from '../config/config-layers.js';

/** The payload launcher for this queue: `glexec` when queuedata asks for it, else the configured one. */
export function launcherNameFor(settings: PilotSettings): string {
  return settings.queue.glexec !== 'false' ? 'glexec' : settings.pilot.launcher;
}
