/**
 * B1's anchor, client side: a DEALER (no routing id, like AthenaMP) doing `Ready for events`
 * → reply round trips against a raw ROUTER. Prints the round trips per second after a warm-up.
 *
 *   node dist/bench/raw-pingpong-peer.js <endpoint> <round trips> [<warm-up>]
 */
import { Dealer } from 'zeromq';

const [endpoint, countText, warmText] = process.argv.slice(2);
const count = Number(countText);
const warm = Number(warmText ?? 200);
const sock = new Dealer({ linger: 1000 });
sock.connect(endpoint!);
for (let i = 0; i < warm; i++) {
  await sock.send('Ready for events');
  await sock.receive();
}
const started = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  await sock.send('Ready for events');
  await sock.receive();
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await sock.send('No more events');
sock.close();
process.stdout.write(`${count / seconds}\n`);
