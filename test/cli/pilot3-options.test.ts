/**
 * pilot3's options as espilot reads them: the values it passes on (label, server URL), and
 * the mistakes it refuses with a message naming the flag, before anything runs.
 */
import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobLabelOf, serverUrlOf } from '../../cli/commands/pilot3-options.js';
import { runCli } from '../helpers/run-cli.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const localQueue = join(root, 'config/queuedata.local.json');

test('-j and -i: pilot3 get_job_label maps RC + ptest to rc_test2; the default label is managed', (t) => {
  t.is(jobLabelOf({}), 'managed');
  t.is(jobLabelOf({ joblabel: 'ptest', versiontag: 'RC' }), 'rc_test2');
  t.is(jobLabelOf({ joblabel: 'ptest', versiontag: 'PR' }), 'ptest');
  t.is(jobLabelOf({ prodSourceLabel: 'user' }), 'user');
  t.throws(() => jobLabelOf({ joblabel: 'user', prodSourceLabel: 'managed' }), { message: /--prod-source-label: is an alias of --joblabel/ });
});

test('--url with -p: the port is added only when the URL has none', (t) => {
  t.is(serverUrlOf({ url: 'https://pandaserver.cern.ch' }), 'https://pandaserver.cern.ch:25443');
  t.is(serverUrlOf({ url: 'https://pandaserver.cern.ch', port: '25080' }), 'https://pandaserver.cern.ch:25080');
  t.is(serverUrlOf({ url: 'http://127.0.0.1:8080', port: '25443' }), 'http://127.0.0.1:8080');
  t.is(serverUrlOf({}), undefined);
  t.throws(() => serverUrlOf({ url: 'pandaserver' }), { message: /--url: expected an http\(s\) URL/ });
});

test('refused before anything runs: -z outside push mode, a bad --resource-type or --workflow, --job-file without --dry-run', async (t) => {
  const cases: [string[], RegExp][] = [
    [['-z'], /-z: without server updates PanDA would never hear of the job/],
    [['--resource-type', 'GPU'], /--resource-type: expected SCORE, MCORE, SCORE_\* or MCORE_\*, got "GPU"/],
    [['-w', 'bogus'], /--workflow: expected one of generic, generic_hpc/],
    [['--job-file', localQueue], /--job-file: only with --dry-run/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['run', '--queue', localQueue, ...args]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
  }
});
