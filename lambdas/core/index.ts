/** What monitors.config.ts imports from 'skyprobe'. */
export { defineConfig, heartbeat } from './config/input.ts';
export type * from './config/input.ts';
