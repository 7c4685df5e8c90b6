/**
 * R8: protocol abuse on the payload channel, with the pilot started under umask 000. The
 * payload itself sends garbage, non-UTF-8 bytes, reports and ERR_* for ranges never sent,
 * and every output report twice (`--malformed`). A hostile local process (same user, not
 * started by the pilot) pre-claims libzmq's next generated routing ids with 64 DEALERs and
 * then connects a plain peer (before the fix: SIGABRT in libzmq, job left running), sends a
 * 10 MB message (the limit is 1 MiB here), forged output reports naming a real file of the
 * job, forged ERR_ATHENAMP_PROCESS and ERR_ATHENAMP_PARSE for real ranges, and asks for a
 * range like a worker. The channel refuses every connection of that process: it gets no
 * answer and no range, every range the payload got finishes once with its own output, the
 * pilot stays up; the socket is 0600 and nothing the pilot made is group- or world-writable.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readPayloadTrace } from '../../../plugins/payload-simulator/index.js';
import { abuseChannel, findChannelSocket, preclaimRoutingIds } from '../hostile-peer.js';
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
    let socketMode: number | undefined;
    let attackerReplies: number | undefined;
    const r = await runScenario(world, `r8-s${seed}`, rnd, {
      umask: 0o000,
      // Workers hold each range for a while, so forgeries can target ranges in their hands.
      site: { task: { taskId: 9108, events: 40, simulatorArgs: `--timePerEventMs=${rnd.int(100, 200)} --malformed --seed=${seed}` }, eventService: { maxMessageBytes: 1024 * 1024 } },
      drive: async (d) => {
        const socket = await findChannelSocket(d.pilot.pid);
        if (!socket || !(await d.until(() => d.site.dispatcher.snapshot().dispatches.length > 0))) return;
        socketMode = (await lstat(socket)).mode & 0o777;
        attackerReplies = await preclaimRoutingIds(`ipc://${socket}`, 64);
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
        sent = stranger.attempted + confused.attempted;
        held = confused.ownRange;
      },
      expect: async (h, site) => {
        const notFinished = h.snapshot.rangeUpdates.filter((u) => u.eventStatus !== 'finished');
        const loose = await groupOrWorldWritable(site.workdir);
        return [
          ...expectThat(sent > 0 && attackerReplies !== undefined, 'R8: the hostile peers found no channel to abuse'),
          ...expectThat(attackerReplies === 0, `R8: the routing-id attackers got ${attackerReplies} answer(s)`),
          ...expectThat(held === undefined, `R8: a process the pilot did not start was given range ${held}`),
          ...expectThat(socketMode === 0o600, `R8: the channel socket has mode ${socketMode?.toString(8)} under umask 000, not 600`),
          ...expectThat(loose.length === 0, `R8: group- or world-writable under umask 000: ${loose.slice(0, 5).join(', ')}`),
          ...expectThat(notFinished.length === 0,
            `R8: ranges reported other than finished: ${notFinished.slice(0, 4).map((u) => `${u.eventRangeId} ${u.eventStatus} ${u.errorCode ?? ''}`).join(', ')}`),
          ...esJobs(h.snapshot).flatMap((id) => expectThat(finalJobUpdate(h.snapshot, id)?.state === 'finished', `R8: job ${id} ended ${JSON.stringify(finalJobUpdate(h.snapshot, id))}`)),
          ...expectThat(h.pilots[0]?.exit?.code === 0, `R8: the pilot exited with ${h.pilots[0]?.exit?.code ?? h.pilots[0]?.exit?.signal}`),
        ];
      },
    });
    return { reports: [r.report], note: `${forged} forged range(s), ${sent} hostile message(s)` };
  },
};

/** Every file and folder under `root` (symlinks aside) that group or others may write. */
async function groupOrWorldWritable(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isSymbolicLink()) continue;
      if (((await lstat(p)).mode & 0o022) !== 0) out.push(p);
      if (e.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return out;
}
