/**
 * Queuedata as the pilot reads it: our own names for what schedconfig / CRIC say about a
 * queue. Parsed only by core/config/queuedata.ts; a contract type so that plugins (an
 * experiment choosing its RunJob) read it without depending on the parser.
 */
import type { Activity } from './site-mover.js';

/** Destinations from schedconfig's legacy `objectstore` field, by file type. */
export interface ObjectstorePaths {
  /** Base URL for ES outputs (`eventservice` entry). */
  readonly eventservice?: string;
  /** Base URL for log files (`logs` entry). */
  readonly logs?: string;
  /** Every entry by file type, including the two above. */
  readonly byType: Readonly<Record<string, string>>;
}

/**
 * A legacy copytool field. Its pilot1 form `name^setup` is accepted, but the setup part is
 * dropped: espilot's movers find their tools themselves (plugin options), nothing runs a setup.
 */
export interface CopytoolRef {
  readonly name: string;
}

/** A storage endpoint (CRIC DDM endpoint) that activities can point at through `astorages`. */
export interface StorageEndpoint {
  readonly name: string;
  /** Base URL objects are written under: `<url>/<name>`. */
  readonly url: string;
  /** Base URL stage-ins read from when it differs from `url` (CRIC `read_lan`/`read_wan` vs `write_*` protocols). */
  readonly readUrl?: string;
  /** CRIC `is_deterministic`: job outputs and logs written here take Rucio's path (select-movers `deterministicFor`). */
  readonly deterministic?: boolean;
  /** CRIC `type` (`DATADISK`, `OS_ES`, `OS_LOGS`, ...). */
  readonly type?: string;
  /** CRIC's id of the endpoint (pilot3 `storage.pk`): what range updates report as `objstoreID`. */
  readonly id?: number;
  /** PanDA getKeyPair names for S3 credentials (CRIC `access_key` / `secret_key` settings). */
  readonly accessKeyName?: string;
  readonly secretKeyName?: string;
  readonly secure?: boolean;
}

export type GlexecMode = 'true' | 'false' | 'test';

export interface QueueData {
  readonly name: string;
  readonly site: string;
  readonly copytool?: CopytoolRef;
  readonly copytoolIn?: CopytoolRef;
  /** CRIC-era activity → ordered copytool names. Empty when the queue uses the legacy fields. */
  readonly acopytools: Readonly<Partial<Record<Activity, readonly string[]>>>;
  /** Activity → ordered storage endpoint names. */
  readonly astorages: Readonly<Partial<Record<Activity, readonly string[]>>>;
  readonly storages: Readonly<Record<string, StorageEndpoint>>;
  readonly objectstore?: ObjectstorePaths;
  /** getKeyPair names for the legacy objectstore string's S3 stores. */
  readonly objectstoreKeys?: { readonly accessKeyName: string; readonly secretKeyName: string; readonly secure: boolean };
  readonly glexec: GlexecMode;
  readonly stageInRetry: number;
  readonly stageOutRetry: number;
  /** `catchall` tokens: `key=value` → value, bare `flag` → ''. */
  readonly catchall: Readonly<Record<string, string>>;
  readonly maxWorkdirMB?: number;
  readonly coreCount: number;
  /** CRIC `maxrss` / `maxvmem`: memory of the queue's job slot (all its `coreCount` cores), MB. */
  readonly maxRssMB?: number;
  readonly maxVmemMB?: number;
  /** schedconfig `direct_access_lan` / `direct_access_wan`: the payload may read inputs in place. */
  readonly directAccessLan: boolean;
  readonly directAccessWan: boolean;
  /** Run ES jobs in HPC mode (catchall `HPC_<name>` or `hpc`). */
  readonly hpc?: string;
  /**
   * CRIC `container_type` (`name:user;...`, e.g. `apptainer:pilot;docker:wrapper`): container
   * runtime name by user; `pilot` is the one the payload runs in. Empty: no container.
   */
  readonly containerType: Readonly<Record<string, string>>;
  /** CRIC `container_options` (e.g. `-B /scratch`), `''` when unset or `none`. */
  readonly containerOptions: string;
  /**
   * CRIC `timefloor` in seconds (CRIC gives minutes): while less time than this has passed since
   * the pilot started, it asks for another job after each one (pilot3 multi-job mode). 0: one job.
   */
  readonly timefloorS: number;
  /** CRIC `copytools`: the names the queue declares (their `setup` is not run; espilot's movers find their tools). */
  readonly copytools: readonly string[];
}
