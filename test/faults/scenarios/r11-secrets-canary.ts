/**
 * R11: secret hygiene under stress. The S3 secret (served by getKeyPair) and the PanDA
 * credential (bearer token, or with some seeds an X.509 proxy against an HTTPS dispatcher
 * that requires client certificates) are canaries; the run also goes through failing PUTs
 * (403 and 500), a lost update reply and payload errors, paths that log and report
 * errors. Every scenario checks I6; this one also makes sure the checker really saw the
 * pilot's and the payload's argv and environment.
 */
import { runScenario } from '../scenario-kit.js';
import { expectThat, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

export const R11: Scenario = {
  id: 'R11',
  title: 'secrets canary: S3 secret, bearer token / X.509 proxy, through errors',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R11');
    const auth = seed % 2 === 0 ? 'x509' : 'token'; // consecutive seeds alternate the credentials
    const r = await runScenario(world, `r11-s${seed}`, rnd, {
      site: { task: { taskId: 9111, events: 40, simulatorArgs: `--timePerEventMs=10 --errorRate=0.1 --seed=${seed}` }, auth },
      drive: async (d) => {
        d.site.proxy!.inject({ method: 'PUT', nth: rnd.int(1, 10), fault: { kind: 'status', status: 500, code: 'InternalError' } });
        d.site.proxy!.inject({ method: 'PUT', nth: rnd.int(1, 10), fault: { kind: 'status', status: 403, code: 'SignatureDoesNotMatch' } });
        d.site.dispatcher.injectFault({ command: 'updateEventRanges', kind: 'drop-reply' });
      },
      expect: (h) => {
        const argv = h.children.map((c) => c.argv.join(' '));
        return [
          ...expectThat(argv.some((a) => a.includes('cli/main.js run')), 'R11: the pilot process was not inspected'),
          ...expectThat(argv.some((a) => a.includes('athenamp-simulator.js')), 'R11: the payload process was not inspected'),
        ];
      },
    });
    return { reports: [r.report], note: `${auth} auth` };
  },
};
