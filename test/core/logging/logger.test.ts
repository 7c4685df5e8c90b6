import test from 'ava';
import { createLogger, SecretRegistry, type LogRecord } from '../../../core/index.js';

test('a registered secret is masked whatever logs it, in text and json', (t) => {
  const canary = 'CANARY-s3-secret-7f3a9c';
  for (const format of ['text', 'json'] as const) {
    const secrets = new SecretRegistry();
    const lines: string[] = [];
    const log = createLogger({ secrets, format, level: 'debug', sink: (_r: LogRecord, l: string) => lines.push(l) });
    secrets.register(canary);
    const child = log.child('mover:s3');
    child.info(`key is ${canary}`);
    child.warn('object', { nested: { secretKey: canary } });
    child.error(new Error(`failed with ${canary}`));
    child.debug('%s and %o', canary, [canary]);
    t.is(lines.length, 4);
    for (const line of lines) {
      t.false(line.includes(canary), line);
      t.true(line.includes('********'), line);
    }
    t.true(lines[0]!.includes('mover:s3'));
    if (format === 'json') t.is(JSON.parse(lines[0]!).tag, 'mover:s3');
  }
});

test('scrubEnv drops credential variables and any variable holding a secret', (t) => {
  const secrets = new SecretRegistry();
  secrets.register('topsecretvalue');
  const env = secrets.scrubEnv({ PATH: '/bin', S3_SECRET_KEY: 'x', OTHER: 'prefix-topsecretvalue', HOME: '/root' });
  t.deepEqual(env, { PATH: '/bin', HOME: '/root' });
  secrets.register('abc');
  t.is(secrets.size, 1, 'values shorter than 4 characters are not registered');
});
