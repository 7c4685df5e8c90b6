#!/usr/bin/env node
/**
 * The ES merge transform stand-in: verifies every per-range input against its own name
 * and content, then writes the merged file. Usage:
 *
 *   node merge-simulator.js --inputFile=<path>,<path>,... --outputFile=<LFN>
 *
 * Exit 0 on success, 2 for bad arguments, 65 when an input is missing or not what the
 * simulator wrote for the range its name says.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { mergedOutputBytes, type MergedPart } from './merged-output.js';
import { runIfMain } from './script-main.js';
import { UsageError, parseFlags } from './simulator-args.js';
import { verifySimulatorOutput } from './simulator-output.js';

const EX_DATAERR = 65;

async function main(): Promise<void> {
  let inputs: string[];
  let outputFile: string;
  try {
    const f = parseFlags(process.argv.slice(2), { inputFile: 'string', outputFile: 'string' });
    inputs = String(f['inputFile'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    outputFile = String(f['outputFile'] ?? '');
    if (inputs.length === 0) throw new UsageError('--inputFile=<path>[,<path>...] is required');
    if (!outputFile || outputFile.includes('/')) throw new UsageError('--outputFile=<LFN> is required (a file name, no directory)');
  } catch (err) {
    process.stderr.write(`merge-simulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const parts: MergedPart[] = [];
  for (const input of inputs) {
    let bytes: Buffer;
    try {
      bytes = await readFile(input);
    } catch (err) {
      return fail(`cannot read input ${input}: ${(err as Error).message}`);
    }
    const v = verifySimulatorOutput(bytes, { name: input });
    if (!v.ok) return fail(`input ${input} is corrupt: ${v.reason}`);
    parts.push({ header: v.header, bytes });
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
