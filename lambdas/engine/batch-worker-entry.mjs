// Worker thread entry: registers tsx in this thread (workers do not inherit it), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./batch-worker.ts');
