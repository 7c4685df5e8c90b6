/**
 * R5: the pilot is SIGKILLed in the middle of a multipart upload (12 MiB outputs, 5 MiB
 * parts, every part slowed down by the proxy), then `espilot recover` runs. No partial object
 * may ever appear under a final name, a range is reported finished only with its complete
 * object, and no multipart upload may stay open (orphan parts) once recovery is done.
 */
import { runScenario } from '../scenario-kit.js';
import { sleep, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

const MiB = 1024 * 1024;

export const R5: Scenario = {
  id: 'R5',
  title: 'SIGKILL during multipart uploads, then espilot recover',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R5');
    const killAtPart = rnd.int(1, 14);
    const extraMs = rnd.int(0, 250);
    const partDelayMs = rnd.int(150, 400);
    const r = await runScenario(world, `r5-s${seed}`, rnd, {
      site: {
        task: { taskId: 9105, events: 8, simulatorArgs: `--timePerEventMs=5 --outputBytes=${12 * MiB}` },
        s3: { multipartThresholdBytes: 8 * MiB, partSizeBytes: 5 * MiB, queueSize: 2 },
      },
      drive: async (d) => {
        const proxy = d.site.proxy!;
        proxy.inject({ method: 'PUT', path: /[?&]partNumber=/, fault: { kind: 'delay', ms: partDelayMs } });
        if (!(await d.until(() => proxy.count({ method: 'PUT', path: /[?&]partNumber=/ }) >= killAtPart))) return;
        await sleep(extraMs);
        d.crash();
      },
    });
    return { reports: [r.report], note: `kill at part request ${killAtPart} + ${extraMs} ms, parts delayed ${partDelayMs} ms` };
  },
};
