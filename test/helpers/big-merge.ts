/**
 * A merge job over many ES outputs, as the embedded dispatcher makes it for the demo task: the
 * outputs stored in a `file://` object store with their checksum records (as the ES job's
 * stage-out leaves them), and the job definition panda-server would send (writeToFile listing
 * them all). Used by the large-merge test and benchmark B9.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ChecksumStore, adler32, forEachBounded, formatAdler32, packageRoot, parseJobDefinition,
  type ChecksumStore as Store, type JobDefinition, type PilotRun,
} from '../../core/index.js';
import { demoTaskPath, loadTaskFile, mergeJobDefinition, outputLfnOf } from '../../plugins/panda-local/index.js';
import { simulatorOutputBytes } from '../../plugins/payload-simulator/index.js';

export interface BigMerge {
  readonly job: JobDefinition;
  /** The merged output's LFN. */
  readonly outputLfn: string;
  /** The ES outputs' object names (`<outputLfn>.<eventRangeID>`) in range order. */
  readonly inputs: readonly string[];
  readonly inputBytes: number;
}

/**
 * Writes `n` range outputs of `bodyBytes` into `esDir` (the run's ES object store) with their
 * checksum records, and @returns the merge job over them.
 */
export async function prepareBigMerge(run: PilotRun, esDir: string, n: number, bodyBytes: number, pandaId = '9009001'): Promise<BigMerge> {
  const task = loadTaskFile(demoTaskPath(), packageRoot());
  const id = { pandaId, jobsetId: '9009000', attemptNr: 1, serial: 1 };
  const outputLfn = outputLfnOf(task, id.jobsetId);
  const store = run.resolver.get<Store>(ChecksumStore, 'local');
  const inputs = Array.from({ length: n }, (_, i) => `${outputLfn}.${task.taskId}-${id.jobsetId}-1-${i + 1}-1`);
  let inputBytes = 0;
  await forEachBounded(inputs, 16, async (name, i) => {
    const bytes = simulatorOutputBytes({ eventRangeID: name.slice(outputLfn.length + 1), startEvent: i + 1, lastEvent: i + 1, LFN: task.inputFiles[0]!.lfn, GUID: task.inputFiles[0]!.guid, outputFile: outputLfn, bodyBytes });
    inputBytes += bytes.length;
    const path = join(esDir, name);
    await writeFile(path, bytes);
    await store.record(pathToFileURL(path).href, bytes.length, [{ type: 'adler32', value: formatAdler32(adler32(bytes)) }]);
  });
  const job = parseJobDefinition(mergeJobDefinition(task, id, inputs));
  return { job, outputLfn, inputs, inputBytes };
}
