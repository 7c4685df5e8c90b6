import test from 'ava';
import { ErrorCodes, JobControlSource, PilotError, abortCode, abortError, parseServerCommands, type Logger } from '../../../core/index.js';

/** A logger that keeps its lines, to see which commands were ignored. */
function keeping(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log: Logger & { lines: string[] } = {
    lines,
    error: (m: string) => void lines.push(`error ${m}`), warn: (m: string) => void lines.push(`warn ${m}`),
    info: (m: string) => void lines.push(`info ${m}`), debug: () => undefined, child: () => log,
  } as Logger & { lines: string[] };
  return log;
}

test('server commands: comma lists, any case, blanks and NULL', (t) => {
  t.deepEqual(parseServerCommands(['NULL']), []);
  t.deepEqual(parseServerCommands(['null', '', ' , ']), []);
  t.deepEqual(parseServerCommands(['softkill']).map((c) => c.kind), ['softkill']);
  t.deepEqual(parseServerCommands([' SoftKill ,debug', 'ToBeKilled']).map((c) => [c.kind, c.text]), [['softkill', 'SoftKill'], ['debug', 'debug'], ['tobekilled', 'ToBeKilled']]);
  t.deepEqual(parseServerCommands(['tobekilled,NULL']).map((c) => c.kind), ['tobekilled']);
  t.deepEqual(parseServerCommands(['tobekilledsoon']).map((c) => c.kind), ['other'], 'a name is matched whole');
  t.deepEqual(parseServerCommands(['DebugOff,tail -30 payload.stdout']).map((c) => c.kind), ['debugoff', 'other'], 'a debug command naming a shell command is not one we run');
  t.true(Object.isFrozen(parseServerCommands(['softkill'])));
});

test('JobControlSource acts on the parsed commands: tobekilled kills with 1144, softkill drains with 1237, others are logged', (t) => {
  const log = keeping();
  const soft = new JobControlSource();
  soft.applyServerCommands(['NULL', 'debug, SOFTKILL', 'ps -ef'], log);
  t.true(soft.softkill.aborted);
  t.false(soft.kill.aborted);
  t.is(abortCode(soft.softkill.reason, 0), ErrorCodes.ESKILLEDBYSERVER);
  t.true(soft.debugMode, 'debug turns debug mode on');
  t.true(log.lines.some((l) => l === 'info server command "ps -ef" ignored'), log.lines.join('\n'));
  soft.applyServerCommands(['debugoff'], log);
  t.false(soft.debugMode);
  t.false(log.lines.some((l) => /NULL/.test(l)), 'NULL is no command');

  const kill = new JobControlSource();
  kill.applyServerCommands([' tobekilled '], log);
  t.true(kill.kill.aborted);
  t.is(abortCode(kill.kill.reason, 0), ErrorCodes.PANDAKILL);
  t.is(kill.stopReason?.code, ErrorCodes.PANDAKILL);
});

test('signals: SIGINT kills with 1208, SIGTERM drains with 1201 and a second one kills', (t) => {
  const int = new JobControlSource();
  int.onSignal('SIGINT', keeping());
  t.true(int.kill.aborted);
  t.is(abortCode(int.kill.reason, ErrorCodes.PANDAKILL), ErrorCodes.SIGINT);

  const term = new JobControlSource();
  term.onSignal('SIGTERM', keeping());
  t.true(term.softkill.aborted);
  t.false(term.kill.aborted);
  term.onSignal('SIGTERM', keeping());
  t.is(abortCode(term.kill.reason, 0), ErrorCodes.SIGTERM);
});

test('abort reasons: a PilotError gives its code; anything else the fallback', (t) => {
  const e = new PilotError(ErrorCodes.SIGQUIT, 'pilot received SIGQUIT', { recoverable: false });
  t.is(abortCode(e, ErrorCodes.PANDAKILL), ErrorCodes.SIGQUIT);
  t.is(abortError(e, ErrorCodes.PANDAKILL), e);
  t.is(abortCode(1201, ErrorCodes.PANDAKILL), ErrorCodes.PANDAKILL, 'a bare number is not a reason JobControl gives');
  t.is(abortCode(undefined, ErrorCodes.KILLSIGNAL), ErrorCodes.KILLSIGNAL);
  const other = abortError(new Error('stop now'), ErrorCodes.KILLSIGNAL);
  t.is(other.code, ErrorCodes.KILLSIGNAL);
  t.regex(other.message, /stop now/);
});
