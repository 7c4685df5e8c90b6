/**
 * The binding as data: what the job state file keeps (so a report regenerated later shows what
 * the job used) and the one text form of a planned transfer that `--dry-run` prints.
 */
import type { JobBinding, PlannedTransfer } from '../contracts/job-binding.js';

export interface BindingDescription {
  readonly transfers: readonly PlannedTransfer[];
  readonly warnings: readonly string[];
}

export function describeBinding(binding: JobBinding): BindingDescription {
  return { transfers: binding.transfers, warnings: binding.warnings };
}

/** `<url> via a → b (activity pw, 2 attempt(s) each)`, or `ERROR <why>`. */
export function formatPlannedTransfer(t: PlannedTransfer): string {
  if (t.error) return `ERROR ${t.error}`;
  return `${t.url} via ${t.movers.join(' → ')} (activity ${t.activity}, ${t.attempts} attempt(s) each${t.optional ? ', optional' : ''})`;
}
