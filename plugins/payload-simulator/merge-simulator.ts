#!/usr/bin/env node
/**
 * The ES merge transform stand-in: verifies every per-range input against its own name
 * and content, then writes the merged file. Usage:
 *
 *   node merge-simulator.js @inputFor_<LFN>.txt --outputFile=<LFN>
 *   node merge-simulator.js --inputFile <path> <path> ... --outputFile=<LFN>
 *   node merge-simulator.js --inputFile=<path>,<path>,... --outputFile=<LFN>
 *
 * An `@file` argument stands for the file's lines (pilot3's writeToFile list: `--inputFile`,
 * then one path per line), so a merge of any size fits on the command line.
 * Exit 0 on success, 2 for bad arguments, 65 when an input is missing or not what the
 * simulator wrote for the range its name says.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { mergedOutputBytes, type MergedPart } from './merged-output.js';
import { UsageError, expandArgFiles, parseFlags, runIfMain } from './simulator-cli.js';
import { verifySimulatorOutput } from './simulator-output.js';

const EX_DATAERR = 65;
const READ_AHEAD = 32;

async function main(): Promise<void> {
  let inputs: string[];
  let outputFile: string;
  try {
    const f = parseFlags(expandArgFiles(process.argv.slice(2), process.cwd()), { inputFile: 'list', outputFile: 'string' });
    inputs = [...((f['inputFile'] as readonly string[] | undefined) ?? [])];
    outputFile = String(f['outputFile'] ?? '');
    if (inputs.length === 0) throw new UsageError('--inputFile <path> [<path>...] (or @<list file>) is required');
    if (!outputFile || outputFile.includes('/')) throw new UsageError('--outputFile=<LFN> is required (a file name, no directory)');
  } catch (err) {
    process.stderr.write(`merge-simulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const parts: MergedPart[] = [];
  // Read a few at a time: a merge has thousands of small inputs, each a round trip to the disk.
  for (let i = 0; i < inputs.length; i += READ_AHEAD) {
    const batch = inputs.slice(i, i + READ_AHEAD);
    const read = await Promise.all(batch.map((input) => readFile(input).then((bytes) => ({ input, bytes }), (err: Error) => ({ input, error: err.message }))));
    for (const r of read) {
      if ('error' in r) return fail(`cannot read input ${r.input}: ${r.error}`);
      const v = verifySimulatorOutput(r.bytes, { name: r.input });
      if (!v.ok) return fail(`input ${r.input} is corrupt: ${v.reason}`);
      parts.push({ header: v.header, bytes: r.bytes });
    }
  }
  let merged: Buffer;
  try {
    merged = mergedOutputBytes(outputFile, parts);
  } catch (err) {
    return fail((err as Error).message);
  }
  const target = resolve(process.cwd(), outputFile);
  await writeFile(`${target}.part`, merged);
  await rename(`${target}.part`, target);
  process.stdout.write(`merge-simulator: merged ${parts.length} ranges into ${outputFile} (${merged.length} bytes)\n`);
}

function fail(message: string): void {
  process.stderr.write(`merge-simulator: ${message}\n`);
  process.exit(EX_DATAERR);
}

runIfMain(import.meta.url, 'merge-simulator', main);
