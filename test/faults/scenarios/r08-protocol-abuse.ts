/**
 * R8: protocol abuse on the payload channel. The payload itself sends garbage, non-UTF-8
 * bytes, reports and ERR_* for ranges never sent, and every output report twice
 * (`--malformed`); a hostile local process with an identity the pilot never served sends a
 * 10 MB message (the limit is 1 MiB here), forged output reports naming a real file of the
 * job, forged ERR_ATHENAMP_PROCESS and ERR_ATHENAMP_PARSE for real ranges; and a confused
 * client asks for a range like a worker, then sends the same forgeries for the ranges the
 * workers hold. All of it is dropped: every range the payload got finishes once with its own
 * output; only the range the confused client sat on fails (1227, held at the end); the pilot
 * stays up.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readPayloadTrace } from '../../../plugins/payload-simulator/index.js';
import { abuseChannel, findChannelSocket } from '../hostile-peer.js';
import { runScenario } from '../scenario-kit.js';
import { esJobs, expectThat, finalJobUpdate, jobDirs, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';

export const R8: Scenario = {
  id: 'R8',
  title: 'protocol abuse: malformed payload + hostile peer on the channel',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R8');
    const forged = rnd.int(1, 2);
    let sent = 0;
    let held: string | undefined;
    const r = await runScenario(world, `r8-s${seed}`, rnd, {
      // Workers hold each range for a while, so forgeries can target ranges in their hands.
      site: { task: { taskId: 9108, events: 40, simulatorArgs: `--timePerEventMs=${rnd.int(100, 200)} --malformed --seed=${seed}` }, eventService: { maxMessageBytes: 1024 * 1024 } },
      drive: async (d) => {
        const socket = await findChannelSocket(d.pilot.pid);
        if (!socket || !(await d.until(() => d.site.dispatcher.snapshot().dispatches.length > 0))) return;
        const dir = (await jobDirs(d.site.workdir))[0];
        if (!dir) return;
        // The ranges the workers hold right now (received, no output yet), from the payload's trace.
        const inHand = async () => {
          const events = (await Promise.all((await readdir(d.site.traceDir)).map((f) => readPayloadTrace(join(d.site.traceDir, f))))).flat();
          const done = new Set(events.filter((e) => e.e !== 'received').map((e) => e.id));
          return events.filter((e) => e.e === 'received' && !done.has(e.id)).map((e) => e.id!).slice(-forged);
        };
        const file = `${dir}/ES_payload_output.txt`;
        const stranger = await abuseChannel(socket, inHand, file);
        const confused = await abuseChannel(socket, inHand, file, { askForRange: true });
        sent = stranger.sent + confused.sent;
        held = confused.ownRange;
      },
      expect: (h) => {
        const notFinished = h.snapshot.rangeUpdates.filter((u) => u.eventStatus !== 'finished');
        return [
          ...expectThat(sent > 0, 'R8: the hostile peers found no channel to abuse'),
          ...expectThat(notFinished.every((u) => u.eventRangeId === held && u.eventStatus === 'failed' && Number(u.errorCode) === 1227),
            `R8: ranges reported other than finished: ${notFinished.slice(0, 4).map((u) => `${u.eventRangeId} ${u.eventStatus} ${u.errorCode ?? ''}`).join(', ')} (the confused client held ${held ?? 'none'})`),
          ...esJobs(h.snapshot).flatMap((id) => expectThat(finalJobUpdate(h.snapshot, id)?.state === 'finished', `R8: job ${id} ended ${JSON.stringify(finalJobUpdate(h.snapshot, id))}`)),
          ...expectThat(h.pilots[0]?.exit?.code === 0, `R8: the pilot exited with ${h.pilots[0]?.exit?.code ?? h.pilots[0]?.exit?.signal}`),
        ];
      },
    });
    return { reports: [r.report], note: `${forged} forged range(s), ${sent} hostile message(s)` };
  },
};
