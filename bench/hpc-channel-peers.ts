/**
 * B10's payload side: one zero-compute AthenaMP peer (a DEALER, no routing id) per endpoint,
 * all in this one process, each asking `Ready for events` and reporting the one pre-written
 * output file for every range it gets, until `No more events`.
 *
 *   node dist/bench/hpc-channel-peers.js <output file> <endpoint>...
 */
import { Dealer } from 'zeromq';

const [output, ...endpoints] = process.argv.slice(2);

async function peer(endpoint: string): Promise<void> {
  const sock = new Dealer({ linger: 1000 });
  sock.connect(endpoint);
  for (;;) {
    await sock.send('Ready for events');
    const [reply] = await sock.receive();
    const text = reply!.toString();
    if (!text.startsWith('[')) break;
    const id = (JSON.parse(text) as Array<{ eventRangeID: string }>)[0]!.eventRangeID;
    await sock.send(`${output},ID:${id},CPU:0,WALL:0`);
  }
  sock.close();
}

await Promise.all(endpoints.map(peer));
