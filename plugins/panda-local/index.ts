/**
 * The embedded PanDA dispatcher: a real HTTP server on 127.0.0.1 speaking the PanDA
 * server's dispatcher protocol with its semantics, so the whole pilot runs on one machine.
 * It is a server, not a contract plugin: it is not listed in `espilot.plugins`.
 *
 * ## Task file (JSON)
 * ```json
 * {
 *   "taskId": 9001,                 // jediTaskID; first field of every event range ID
 *   "eventService": true,           // ES task (consumers + merge) or normal jobs (one per input file)
 *   "prodSourceLabel": "managed", "processingType": "simul",
 *   "coreCount": 4,                 // job coreCount (ES consumers)
 *   "consumers": 1,                 // ES consumer jobs created at start
 *   "eventsPerRange": 1,
 *   "maxAttempts": 3,               // attempts per range (counting down), and per merge/normal job
 *   "scope": "mc_demo",
 *   "firstPandaId": 9001001,        // optional; jobsetID and PandaIDs count up from here
 *   "inputFiles": [{ "lfn": "...", "guid": "...", "events": 50, "fileId"?: 1, "scope"?, "dataset"?, "size"?, "checksum"?: "ad:..." }],
 *   "output": { "lfn": "HITS.{taskId}._{serial}.pool.root.1", "log": "log.{taskId}._{pandaId}.job.log.tgz",
 *               "dataset": "...", "logDataset": "..." },
 *   "payload": { "transformation": "node", "jobPars": "${ESPILOT_ROOT}/dist/... --outputFile={outputLFN}" },
 *   "merge":   { "transformation": "node", "jobPars": "... --inputFile=@inputFor_{outputLFN} --outputFile={outputLFN}" },
 *   "job": { "swRelease": "...", "cmtConfig": "...", "destinationSE": "..." }   // extra job fields, sent as they are
 * }
 * ```
 * `${ESPILOT_ROOT}` is replaced by the package root when the task is loaded. In names and
 * commands, `{outputLFN} {taskId} {pandaId} {jobsetId} {coreCount} {inputFiles} {serial}`
 * are replaced per job. The demo task is `config/demo-task.json`.
 */
export * from './dispatcher-records.js';
export * from './task-spec.js';
export * from './range-book.js';
export * from './job-factory.js';
export * from './dispatcher-state.js';
export * from './range-commands.js';
export * from './state-store.js';
export * from './dispatcher-server.js';
export * from './request-body.js';
export * from './server-profiles.js';
export * from './fault-injector.js';
export * from './start-dispatcher.js';
