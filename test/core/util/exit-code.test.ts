import test from 'ava';
import { constants } from 'node:os';
import { describeExit, exitCodeOf } from '../../../core/index.js';

test('transExitCode: the exit code, or 128 + the signal number for every signal', (t) => {
  t.is(exitCodeOf({ code: 0, signal: null }), 0);
  t.is(exitCodeOf({ code: 65, signal: null }), 65);
  t.is(exitCodeOf({ code: null, signal: 'SIGKILL' }), 137);
  t.is(exitCodeOf({ code: null, signal: 'SIGTERM' }), 143);
  // Not only the common ones: SIGBUS, SIGABRT, SIGXCPU are what crashing payloads die of.
  for (const sig of ['SIGBUS', 'SIGABRT', 'SIGXCPU', 'SIGSEGV'] as const) t.is(exitCodeOf({ code: null, signal: sig }), 128 + constants.signals[sig], sig);
  t.true(exitCodeOf({ code: null, signal: 'SIGBUS' }) > 128);
  t.is(exitCodeOf(undefined), 0, 'no exit (the payload never ended)');
  t.is(describeExit({ code: null, signal: 'SIGBUS' }), 'signal SIGBUS');
  t.is(describeExit({ code: 3, signal: null }), 'exit code 3');
});
