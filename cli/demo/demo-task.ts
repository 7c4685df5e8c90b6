/**
 * The demo's task: the built-in demo task (config/demo-task.json) shaped by the flags —
 * events per input file, simulator workers (= the job's cores), error rate and seed, attempts
 * per range.
 */
import { loadTaskFile, demoTaskPath, type TaskSpec } from '../../plugins/panda-local/index.js';
import type { DemoOptions } from './demo-options.js';

const WORKERS_FLAG = /--workers=\d+/;

/**
 * @throws Error when the demo task's payload has no `--workers=N` flag to set (a broken
 *   installation: the file ships with espilot).
 */
export function demoTask(o: Pick<DemoOptions, 'events' | 'workers' | 'errorRate' | 'seed' | 'maxAttempts'>, packageRoot: string): TaskSpec {
  const demo = loadTaskFile(demoTaskPath(packageRoot), packageRoot);
  if (!WORKERS_FLAG.test(demo.payload.jobPars)) throw new Error(`${demoTaskPath(packageRoot)}: the payload's jobPars has no --workers=N to set`);
  const faults = o.errorRate > 0 ? ` --errorRate=${o.errorRate} --seed=${o.seed}` : '';
  return {
    ...demo,
    coreCount: o.workers,
    maxAttempts: o.maxAttempts,
    inputFiles: demo.inputFiles.map((f) => ({ ...f, events: o.events })),
    payload: { ...demo.payload, jobPars: `${demo.payload.jobPars.replace(WORKERS_FLAG, `--workers=${o.workers}`)}${faults}` },
  };
}

/** Ranges the task holds (one event per range in the demo task, but computed in general). */
export function rangesOf(task: TaskSpec): number {
  return task.inputFiles.reduce((n, f) => n + Math.ceil(f.events / task.eventsPerRange), 0);
}
