import { ChecksumStore } from '../contracts/checksum-store.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';

/**
 * The checksum store that keeps checksums for objects under `scheme` (`file` → the local
 * catalog, `s3` → user metadata, `root` → the xrootd server), or undefined when no loaded
 * plugin declares that scheme. The first one in load order wins.
 */
export function checksumStoreFor(resolver: PluginResolver, scheme: string): ChecksumStore | undefined {
  const entry = resolver.registry.list(ChecksumStore).find((e) => e.descriptor.schemes?.includes(scheme));
  return entry ? resolver.instantiate<ChecksumStore>(entry) : undefined;
}
