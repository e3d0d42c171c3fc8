/** What monitors.config.ts imports from 'skyprobe'. */
export { defineConfig } from './config/input.ts';
export type * from './config/input.ts';
