/**
 * Helpers that give up say why: after how long, what they waited for, why that long (the
 * idle-machine timeout × slowdown), and what the child or service said meanwhile.
 */
import test from 'ava';
import { runCli } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/service-process.js';

test('runCli: a child outliving its timeout is killed and the result says so, not `exit null:` with nothing', async (t) => {
  const r = await runCli(['demo', '--events', '50'], { timeoutMs: 1 });
  t.is(r.code, null);
  t.regex(r.killed ?? '', /^killed after \d+\.\d s waiting for `espilot demo --events 50` to exit \(timeout 1 ms × slowdown \d+\.\d\d\); it printed nothing$/);
  t.true(r.stderr.includes(r.killed!), 'the reason is in stderr too, which failing assertions print');
});

test('waitFor: the error names what, how long, why that long, and the service\'s diagnostics', async (t) => {
  const e = await t.throwsAsync(waitFor('swift proxy /healthcheck', () => undefined, { timeoutMs: 50, why: '60000 ms × slowdown 1.00', intervalMs: 10, diagnostics: () => '--- proxy\nTraceback: port in use' }));
  t.regex(e!.message, /^swift proxy \/healthcheck: gave up after \d+\.\d s waiting \(timeout 50 ms: 60000 ms × slowdown 1\.00\)\n--- proxy\nTraceback: port in use$/);
  const gone = await t.throwsAsync(waitFor('xrootd initialization', () => undefined, { timeoutMs: 10_000, alive: () => false, diagnostics: () => 'log tail' }));
  t.regex(gone!.message, /^xrootd initialization: the process exited after \d+\.\d s of waiting\nlog tail$/);
});
