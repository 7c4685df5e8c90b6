/**
 * R9: two pilots on one host at the same time (two sites, one with a `file://` store), each
 * running an ES job, while a hostile process tries their channels: as another user
 * (`nobody`) it must not even connect; as the same user, its forged reports are ignored.
 * No crosstalk (pilot2 defect 6): each payload receives only its own job's ranges, and each
 * dispatcher gets reports only for its own ranges.
 */
import { abuseChannel, connectAsNobody, findChannelSocket } from '../hostile-peer.js';
import { runScenario, type Drive } from '../scenario-kit.js';
import { expectThat, jobDirs, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

export const R9: Scenario = {
  id: 'R9',
  title: 'two pilots on one host + a hostile local process on their channels',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R9');
    const fileFirst = seed % 2 === 0; // consecutive seeds swap which pilot has the file store
    const nobody: string[] = [];
    const hostile = async (d: Drive) => {
      const socket = await findChannelSocket(d.pilot.pid);
      if (!socket) return;
      nobody.push(await connectAsNobody(socket));
      if (!(await d.until(() => d.site.dispatcher.snapshot().dispatches.length > 0))) return;
      const dir = (await jobDirs(d.site.workdir))[0];
      const ids = d.site.dispatcher.snapshot().dispatches.flatMap((x) => x.eventRangeIds).slice(-3);
      if (dir) await abuseChannel(socket, () => ids, `${dir}/ES_payload_output.txt`);
    };
    const one = (taskId: number, store: 's3' | 'file') => runScenario(world, `r9-s${seed}-${taskId}`, rnd, {
      site: { task: { taskId, events: 60, simulatorArgs: `--timePerEventMs=${rnd.int(10, 25)}` }, store },
      drive: hostile,
      expect: (h) => {
        const foreign = [...h.traces.values()].flat().filter((e) => e.id && !e.id.startsWith(`${taskId}-`));
        return [
          ...expectThat(foreign.length === 0, `R9: the payload of task ${taskId} received ranges of another job: ${foreign.slice(0, 3).map((e) => e.id).join(', ')}`),
          ...expectThat(!h.snapshot.rangeUpdates.some((u) => u.outcome === 'rejected'), `R9: the dispatcher of task ${taskId} rejected reports: ${h.snapshot.rangeUpdates.filter((u) => u.outcome === 'rejected').slice(0, 3).map((u) => `${u.eventRangeId} (${u.reason})`).join(', ')}`),
        ];
      },
    });
    const [a, b] = await Promise.all([one(9109, fileFirst ? 'file' : 's3'), one(9119, fileFirst ? 's3' : 'file')]);
    const sneaked = nobody.filter((x) => x === 'connected');
    const extra = expectThat(nobody.length === 2 && sneaked.length === 0, `R9: user nobody's connections to the channels: ${nobody.join(', ') || 'none attempted'} (expected refused, or 'not root' where the suite cannot act as another user)`);
    return { reports: [a.report, { ...b.report, violations: [...b.report.violations, ...extra] }], note: `stores ${fileFirst ? 'file+s3' : 's3+file'}, nobody: ${nobody.join('/')}` };
  },
};
