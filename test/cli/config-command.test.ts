import test from 'ava';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/temp-dir.js';

const cli = join(fileURLToPath(new URL('.', import.meta.url)), '../../cli/main.js');

test('espilot config never prints a configured secret, in either form', async (t) => {
  const dir = await tempDir();
  t.teardown(() => dir.remove());
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ pluginOptions: { 's3-objectstore': { credentials: { accessKey: 'AK-visible', secretKey: 'SECRET-value-1', secretKeyFile: '/path/shown' } } } }));
  for (const extra of [[], ['--explain']]) {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'config', '--config', site, ...extra]);
    t.notRegex(stdout, /SECRET-value-1/);
    t.regex(stdout, /AK-visible/);
    t.regex(stdout, /\/path\/shown/);
    t.regex(stdout, /secretKey.*\*{8}/);
  }
});
