import test from 'ava';
import { existsSync } from 'node:fs';
import { PayloadChannel, PilotError, newChannelName, type PayloadChannel as Channel, type PayloadMessage } from '../../../core/index.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { rawDealer } from '../../helpers/raw-dealer.js';

let run: TestRun;
test.before(async () => {
  run = await makeRun({ cli: { pilot: { eventService: { maxMessageBytes: 1024 * 1024 } } } });
});
test.after.always(() => run.dispose());

/** An open channel and a pull-based reader of its messages. */
async function openChannel(name = newChannelName()) {
  const channel = run.resolver.create<Channel>(PayloadChannel, 'zeromq');
  const endpoint = await channel.open({ kind: 'local', name });
  const it = channel.messages()[Symbol.asyncIterator]();
  const next = async (): Promise<PayloadMessage> => {
    const r = await it.next();
    if (r.done) throw new Error('channel ended');
    return r.value;
  };
  return { channel, endpoint, name, next, it };
}

test('binds at exactly ipc:///tmp/zmq_<name> and replies with exact bytes to an AthenaMP-like peer', async (t) => {
  const { channel, endpoint, name, next } = await openChannel();
  t.teardown(() => channel.close());
  t.is(endpoint, `ipc:///tmp/zmq_${name}`);
  t.true(existsSync(`/tmp/zmq_${name}`));
  const peer = rawDealer(endpoint);
  t.teardown(() => peer.close());
  await peer.send('Ready for events');
  const msg = await next();
  t.is(msg.text, 'Ready for events');
  // libzmq's generated id: 5 bytes, starting with 0x00; opaque bytes, never a string.
  t.is(msg.peer.length, 5);
  t.is(msg.peer[0], 0);
  await channel.send(msg.peer, 'No more events');
  const reply = await peer.receive();
  t.deepEqual([...reply], [...Buffer.from('No more events', 'ascii')]);
  t.is(reply.length, 14);
});

test('trailing NULs are stripped; a 1-byte python routing id works', async (t) => {
  const { channel, endpoint, next } = await openChannel();
  t.teardown(() => channel.close());
  const peer = rawDealer(endpoint);
  t.teardown(() => peer.close());
  await peer.send(Buffer.from('Ready for events\0', 'utf8'));
  t.is((await next()).text, 'Ready for events');
  await peer.send(Buffer.from('/tmp/x.1,ID:1-2-3,CPU:1,WALL:2\0\0', 'utf8'));
  t.is((await next()).text, '/tmp/x.1,ID:1-2-3,CPU:1,WALL:2');
});

test('garbage, empty and oversized messages are dropped and the channel keeps working', async (t) => {
  const { channel, endpoint, next } = await openChannel();
  t.teardown(() => channel.close());
  const peer = rawDealer(endpoint);
  t.teardown(() => peer.close());
  await peer.send(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]));
  await peer.send(Buffer.alloc(0));
  await peer.send(Buffer.from([0, 0, 0]));
  await peer.send(Buffer.alloc(10 * 1024 * 1024, 0x41)); // 10 MB against a 1 MiB limit
  await peer.send('Ready for events');
  const msg = await next();
  t.is(msg.text, 'Ready for events');
  await channel.send(msg.peer, 'No more events');
  t.is((await peer.receive()).toString(), 'No more events');
});

test('a 10 MB message within the limit arrives whole', async (t) => {
  const big = await makeRun({ cli: { pilot: { eventService: { maxMessageBytes: 16 * 1024 * 1024 } } } });
  t.teardown(() => big.dispose());
  const channel = big.resolver.create<Channel>(PayloadChannel, 'zeromq');
  const endpoint = await channel.open({ kind: 'local', name: newChannelName() });
  t.teardown(() => channel.close());
  const peer = rawDealer(endpoint);
  t.teardown(() => peer.close());
  const text = `${'a'.repeat(10 * 1024 * 1024 - 20)},ID:1-2,CPU:0,WALL:0`;
  await peer.send(text);
  const r = await channel.messages()[Symbol.asyncIterator]().next();
  t.false(r.done);
  t.is(r.value?.text.length, text.length);
});

test('sending to a peer that does not exist is PilotError 1227; a reply with a newline is refused', async (t) => {
  const { channel } = await openChannel();
  t.teardown(() => channel.close());
  const e = await t.throwsAsync(channel.send(Buffer.from([0, 1, 2, 3, 4]), 'No more events'), { instanceOf: PilotError });
  t.is(e?.code, 1227);
  const e2 = await t.throwsAsync(channel.send(Buffer.from([0, 1, 2, 3, 4]), '[{"a":1}]\n'), { instanceOf: PilotError });
  t.is(e2?.code, 1240);
});

test('tcp with port 0 reports the bound port and serves a peer', async (t) => {
  const channel = run.resolver.create<Channel>(PayloadChannel, 'zeromq');
  const endpoint = await channel.open({ kind: 'tcp', host: '127.0.0.1', port: 0 });
  t.teardown(() => channel.close());
  t.regex(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  t.not(endpoint, 'tcp://127.0.0.1:0');
  const peer = rawDealer(endpoint);
  t.teardown(() => peer.close());
  await peer.send('Ready for events');
  const r = await channel.messages()[Symbol.asyncIterator]().next();
  t.is(r.value?.text, 'Ready for events');
});

test('close ends messages(), removes the socket file, and the channel can be opened again', async (t) => {
  const { channel, name, it } = await openChannel();
  const pending = it.next();
  await channel.close();
  t.true((await pending).done);
  t.false(existsSync(`/tmp/zmq_${name}`));
  await channel.close(); // idempotent
  const again = await channel.open({ kind: 'local', name });
  t.is(again, `ipc:///tmp/zmq_${name}`);
  await channel.close();
});

test('bad channel names are refused with 1240, naming the rule', async (t) => {
  const channel = run.resolver.create<Channel>(PayloadChannel, 'zeromq');
  for (const name of ['', 'a/b', 'x'.repeat(99), 'white space']) {
    const e = await t.throwsAsync(channel.open({ kind: 'local', name }), { instanceOf: PilotError });
    t.is(e?.code, 1240);
    t.regex(e?.message ?? '', /channel name/);
  }
});

test('two channels on one host never see each other\'s messages', async (t) => {
  const a = await openChannel();
  const b = await openChannel();
  t.teardown(async () => { await a.channel.close(); await b.channel.close(); });
  t.not(a.endpoint, b.endpoint);
  const pa = rawDealer(a.endpoint);
  const pb = rawDealer(b.endpoint);
  t.teardown(() => { pa.close(); pb.close(); });
  await pa.send('/w/a.1,ID:A-1,CPU:0,WALL:0');
  await pb.send('/w/b.1,ID:B-1,CPU:0,WALL:0');
  t.is((await a.next()).text, '/w/a.1,ID:A-1,CPU:0,WALL:0');
  t.is((await b.next()).text, '/w/b.1,ID:B-1,CPU:0,WALL:0');
});
