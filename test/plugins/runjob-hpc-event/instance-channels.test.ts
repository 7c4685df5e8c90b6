import test from 'ava';
import { Dealer } from 'zeromq';
import { ZeroMqChannel } from '../../../plugins/channel-zeromq/index.js';
import { InstanceChannels } from '../../../plugins/runjob-hpc-event/instance-channels.js';
import { checkLaunchTemplate, renderLaunchCommand } from '../../../plugins/runjob-hpc-event/launch-template.js';
import { makeRun } from '../../helpers/make-run.js';

test('messages of every instance channel arrive tagged; replies go back to the right instance over real TCP', async (t) => {
  const run = await makeRun();
  const mk = () => new ZeroMqChannel(run.logger, run.settings, { lingerMs: 0, sendTimeoutMs: 2000 });
  const a = mk();
  const b = mk();
  const endpoints = [await a.open({ kind: 'tcp', host: '127.0.0.1', port: 0 }), await b.open({ kind: 'tcp', host: '127.0.0.1', port: 0 })];
  const all = new InstanceChannels([a, b]);
  const dealers = endpoints.map((e) => {
    const d = new Dealer({ linger: 0 });
    d.connect(e);
    return d;
  });
  t.teardown(async () => {
    dealers.forEach((d) => d.close());
    await all.close();
    await run.dispose();
  });
  const it = all.messages()[Symbol.asyncIterator]();
  await dealers[1]!.send('Ready for events');
  const m1 = (await it.next()).value!;
  await dealers[0]!.send('Ready for events');
  const m0 = (await it.next()).value!;
  t.deepEqual([m1.peer[0], m1.peer[1], m0.peer[0], m0.peer[1]], [0, 1, 0, 0], 'instance number in the first two bytes');
  await all.send(m1.peer, JSON.stringify([{ eventRangeID: 'R-1', startEvent: 1 }]));
  await all.send(m0.peer, 'No more events');
  t.is((await dealers[1]!.receive())[0]!.toString(), '[{"eventRangeID":"R-1","startEvent":1}]');
  t.is((await dealers[0]!.receive())[0]!.toString(), 'No more events');
  t.deepEqual([...all.rangesSentTo(1)], ['R-1']);
  t.deepEqual([...all.rangesSentTo(0)], []);
  await all.close();
  t.true((await it.next()).done, 'the merged stream ends when every channel is closed');
});

test('launch templates: {command} is one shell word; unknown placeholders are refused', (t) => {
  const cmd = renderLaunchCommand('srun -N1 -n1 -c {cores} --job-name=es{instance}of{instances}-{jobNumber} /bin/sh -c {command}', {
    command: `export PILOT_EVENTRANGECHANNEL="tcp://n1:5000"; node sim.js --x='a b'`, endpoint: 'tcp://n1:5000', instance: 2, instances: 4, cores: 3, node: 1, jobNumber: 7,
  });
  t.is(cmd, `srun -N1 -n1 -c 3 --job-name=es2of4-7 /bin/sh -c 'export PILOT_EVENTRANGECHANNEL="tcp://n1:5000"; node sim.js --x='\\''a b'\\'''`);
  t.throws(() => checkLaunchTemplate('mpirun -np 1 {cmd}'), { message: /launchTemplate: expected a command template with \{command\}/ });
  t.throws(() => checkLaunchTemplate('run {command} {host}'));
});
