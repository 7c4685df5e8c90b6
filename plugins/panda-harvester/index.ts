export { HarvesterPandaApi } from './harvester-panda-api.js';
export { HARVESTER_FILE_DEFAULTS, parseHarvesterOptions, type HarvesterFileNames, type HarvesterOptions, type HarvesterSubmitMode } from './harvester-options.js';
export { EventStatusDump, parseDump, type DumpEntry } from './event-status-dump.js';
export { parseHarvesterJobFile } from './harvester-job-file.js';
export { jobReportForHarvester, storedFileEntry, workerAttributes } from './harvester-reports.js';
