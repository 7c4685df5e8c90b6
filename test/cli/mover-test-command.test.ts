import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSwift, type SwiftServer } from '../helpers/swift-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const cli = join(fileURLToPath(new URL('.', import.meta.url)), '../../cli/main.js');
let swift: SwiftServer;
let dir: { path: string; remove(): Promise<void> };

test.before(async () => {
  [swift, dir] = await Promise.all([startSwift(), tempDir()]);
});
test.after.always(async () => {
  await dir?.remove();
  await swift?.stop();
});

function espilot(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function siteFile(name: string, secretKey: string): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, JSON.stringify({
    pluginOptions: { 's3-objectstore': { credentials: { accessKey: swift.accessKey, secretKey } } },
    queuedata: {
      ddmendpoints: { LOCAL_OS_ES: { endpoint: `s3://127.0.0.1:${swift.port}`, path: `//mt_${randomBytes(3).toString('hex')}` } },
      astorages: { es_events: ['LOCAL_OS_ES'] },
    },
  }));
  return path;
}

test('against Swift: the es_events storage of the configuration passes all five checks', async (t) => {
  const r = await espilot(['mover-test', '--config', await siteFile('good.json', swift.secretKey), '--activity', 'es_events']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.deepEqual(lines.slice(0, 5).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), [
    'PASS s3-objectstore put', 'PASS s3-objectstore stat', 'PASS s3-objectstore checksum', 'PASS s3-objectstore get', 'PASS s3-objectstore delete',
  ]);
  t.regex(lines[0]!, new RegExp(`s3://127\\.0\\.0\\.1:${swift.port}//mt_[0-9a-f]+/espilot-mover-test-`));
  t.regex(lines[5]!, /all checks passed/);
});

test('against Swift with a wrong secret: put fails with the authentication code, the rest is skipped, exit 1', async (t) => {
  const r = await espilot(['mover-test', '--config', await siteFile('bad.json', 'wrong-secret'), '--activity', 'es_events']);
  t.is(r.code, 1);
  t.regex(r.stdout, /^FAIL s3-objectstore put +.*STAGEOUTAUTHENTICATIONFAILURE \(1383\)/m);
  t.is(r.stdout.match(/^SKIP /gm)?.length, 4);
  t.notRegex(r.stdout + r.stderr, /wrong-secret/);
});

test('local storage for pw with --url and a queuedata file', async (t) => {
  const queue = join(dir.path, 'queue.json');
  await writeFile(queue, JSON.stringify({ MY_QUEUE: { nickname: 'MY_QUEUE', copytool: 'gfal-copy', acopytools: { pw: ['local', 'gfal-copy'] } } }));
  const url = pathToFileURL(join(dir.path, 'store')).href;
  const r = await espilot(['mover-test', '--queue', queue, '--activity', 'pw', '--url', url, '--size', '1000']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.stdout.match(/^PASS local /gm)?.length, 5);
  t.is(r.stdout.match(/^PASS gfal2 /gm)?.length, 5);
});

test('bad input: exit 2 with what was expected', async (t) => {
  const noUrl = await espilot(['mover-test', '--activity', 'pw']);
  t.is(noUrl.code, 2);
  t.regex(noUrl.stdout, /no storage for activity pw .* pass --url <base>/);
  const badActivity = await espilot(['mover-test', '--activity', 'upload', '--url', 'file:///tmp/x']);
  t.is(badActivity.code, 2);
  t.regex(badActivity.stdout, /--activity: expected one of pr, pw/);
});
