/**
 * A real OpenStack Swift (Debian 2.30) with the s3api middleware, on loopback in a temp
 * dir: the verified recipe of reference/ecosystem.md §1.4, started from TypeScript. It
 * checks SigV4 signatures, keeps user metadata and does multipart like AWS.
 *
 * Start it once per test file (about 3 s):
 *   let swift: SwiftServer;
 *   test.before(async () => { swift = await startSwift(); });
 *   test.after.always(() => swift?.stop());
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { userInfo } from 'node:os';
import { freePorts, isRunning, logTail, readinessTimeout, spawnService, stopServices, waitFor } from './service-process.js';
import { scaled } from './slowdown.js';
import { tempDir } from './temp-dir.js';

const PYTHON = '/usr/bin/python3';

/** A tempauth user: S3 access key `<account>:<user>`, secret `key`. */
export interface SwiftUser {
  readonly account: string;
  readonly user: string;
  readonly key: string;
}

export interface SwiftServer {
  /** `http://127.0.0.1:<port>`: the proxy, which serves S3 at `/`. */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  /** The first user's S3 credentials (`test:tester` / `testing` by default). */
  readonly accessKey: string;
  readonly secretKey: string;
  readonly users: readonly SwiftUser[];
  /** The temp dir holding configuration, rings, objects and logs (`log/<server>.log`). */
  readonly dir: string;
  /** `s3://127.0.0.1:<port>/<bucket>` (add `legacy` for the `//bucket` form). */
  s3Url(bucket: string, key?: string, legacy?: boolean): string;
  /** Stops all four servers and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface SwiftOptions {
  /** Users to create; default one user `test:tester` with key `testing`. */
  readonly users?: readonly SwiftUser[];
  /** Readiness deadline on an idle machine (default 60 s), multiplied by the slowdown factor. */
  readonly startTimeoutMs?: number;
}

export const DEFAULT_SWIFT_USER: SwiftUser = { account: 'test', user: 'tester', key: 'testing' };

/**
 * Starts account, container, object and proxy servers on free loopback ports.
 * @throws Error with the servers' log tails when Swift does not become healthy.
 */
export async function startSwift(options: SwiftOptions = {}): Promise<SwiftServer> {
  const users = options.users?.length ? options.users : [DEFAULT_SWIFT_USER];
  const tmp = await tempDir('espilot-swift-');
  const dir = tmp.path;
  const [proxyPort, accountPort, containerPort, objectPort] = (await freePorts(4)) as [number, number, number, number];
  const etc = join(dir, 'etc');
  await mkdir(join(dir, 'srv', 'node', 'd1'), { recursive: true });
  await mkdir(join(dir, 'log'), { recursive: true });
  await mkdir(etc, { recursive: true });
  await writeConfigs(dir, { proxyPort, accountPort, containerPort, objectPort }, users);
  await promisify(execFile)(PYTHON, ['-c', RING_BUILDER, etc, String(accountPort), String(containerPort), String(objectPort)]);

  const children: ChildProcess[] = [];
  for (const name of ['account', 'container', 'object', 'proxy']) {
    children.push(spawnService(PYTHON, [`/usr/bin/swift-${name}-server`, join(etc, `${name}-server.conf`)], join(dir, 'log', `${name}.log`)));
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopServices(children);
    await tmp.remove();
  };
  try {
    // The proxy answers /healthcheck before the backends listen; a request then gets a 503.
    const probeMs = scaled(1000);
    await waitFor('swift proxy /healthcheck and backends', async () => ((await healthy(proxyPort, probeMs)) && (await listening([accountPort, containerPort, objectPort])) ? true : undefined), {
      ...readinessTimeout(options.startTimeoutMs ?? 60_000),
      alive: () => children.every(isRunning),
      diagnostics: () => ['account', 'container', 'object', 'proxy'].map((n) => `--- ${n}\n${logTail(join(dir, 'log', `${n}.log`))}`).join('\n'),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const first = users[0]!;
  const endpoint = `http://127.0.0.1:${proxyPort}`;
  return {
    endpoint,
    host: '127.0.0.1',
    port: proxyPort,
    accessKey: `${first.account}:${first.user}`,
    secretKey: first.key,
    users,
    dir,
    s3Url: (bucket, key, legacy) => `s3://127.0.0.1:${proxyPort}/${legacy ? '/' : ''}${bucket}${key ? `/${key}` : ''}`,
    stop,
  };
}

function healthy(port: number, timeoutMs: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthcheck', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? true : undefined);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function listening(ports: readonly number[]): Promise<boolean> {
  return Promise.all(ports.map((port) => new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  }))).then((all) => all.every(Boolean));
}

const RING_BUILDER = `
import sys
from swift.common.ring import RingBuilder
d = sys.argv[1]
for name, port in zip(("account", "container", "object"), map(int, sys.argv[2:5])):
    b = RingBuilder(6, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port, "device": "d1", "weight": 1})
    b.rebalance()
    b.get_ring().save(f"{d}/{name}.ring.gz")
`;

interface Ports {
  readonly proxyPort: number;
  readonly accountPort: number;
  readonly containerPort: number;
  readonly objectPort: number;
}

async function writeConfigs(dir: string, ports: Ports, users: readonly SwiftUser[]): Promise<void> {
  const etc = join(dir, 'etc');
  const me = userInfo().username;
  await writeFile(join(etc, 'swift.conf'), [
    '[swift-hash]', 'swift_hash_path_suffix = localtest', 'swift_hash_path_prefix = localtest',
    '[storage-policy:0]', 'name = gold', 'default = yes', '',
  ].join('\n'));
  const backends: Array<[string, number]> = [['account', ports.accountPort], ['container', ports.containerPort], ['object', ports.objectPort]];
  for (const [name, port] of backends) {
    await writeFile(join(etc, `${name}-server.conf`), [
      '[DEFAULT]', 'bind_ip = 127.0.0.1', `bind_port = ${port}`, `swift_dir = ${etc}`, `devices = ${join(dir, 'srv', 'node')}`,
      'mount_check = false', 'workers = 0', `user = ${me}`, 'log_name = ' + name,
      '[pipeline:main]', `pipeline = ${name}-server`, `[app:${name}-server]`, `use = egg:swift#${name}`, '',
    ].join('\n'));
  }
  // [section name, egg entry point] of the proxy pipeline's filters.
  const filters: Array<[string, string]> = [
    ['catch_errors', 'catch_errors'], ['gatekeeper', 'gatekeeper'], ['healthcheck', 'healthcheck'], ['proxy-logging', 'proxy_logging'],
    ['listing_formats', 'listing_formats'], ['bulk', 'bulk'], ['copy', 'copy'], ['slo', 'slo'], ['dlo', 'dlo'],
    ['versioned_writes', 'versioned_writes'], ['symlink', 'symlink'],
  ];
  await writeFile(join(etc, 'proxy-server.conf'), [
    '[DEFAULT]', 'bind_ip = 127.0.0.1', `bind_port = ${ports.proxyPort}`, `swift_dir = ${etc}`, 'workers = 0', `user = ${me}`,
    '[pipeline:main]',
    'pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server',
    '[app:proxy-server]', 'use = egg:swift#proxy', 'account_autocreate = true', 'allow_account_management = true',
    '[filter:s3api]', 'use = egg:swift#s3api', 'location = us-east-1',
    // ATLAS buckets such as atlas_eventservice are not DNS-compliant; Ceph RGW accepts them path-style.
    'dns_compliant_bucket_names = false',
    '[filter:tempauth]', 'use = egg:swift#tempauth',
    ...users.map((u) => `user_${u.account}_${u.user} = ${u.key} .admin`),
    // s3api and tempauth need the cache middleware; no memcached runs, so it only logs connection errors.
    '[filter:cache]', 'use = egg:swift#memcache', 'memcache_servers = 127.0.0.1:1',
    ...filters.flatMap(([section, egg]) => [`[filter:${section}]`, `use = egg:swift#${egg}`]),
    '',
  ].join('\n'));
}
