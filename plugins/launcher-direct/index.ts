export { DirectLauncher, cleanEnv } from './direct-launcher.js';
export { spawnInGroup, type GroupSpawnRequest } from './spawn-in-group.js';
