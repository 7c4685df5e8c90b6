export { RunJobHpcEvent } from './runjob-hpc-event.js';
export { parseHpcEventOptions, type HpcEventOptions } from './hpc-event-options.js';
export { InstanceChannels } from './instance-channels.js';
export { InstanceGroup, type InstanceEnd } from './instance-group.js';
export { DEFAULT_LAUNCH_TEMPLATE, checkLaunchTemplate, renderLaunchCommand, type InstanceValues } from './launch-template.js';
export { HpcPayloadSeams } from './hpc-payload-seams.js';
export { readBatchAllocation, type BatchAllocation } from './batch-allocation.js';
export { instanceCount, instanceJob, instanceJobNumber, instanceNode } from './instance-placement.js';
