// Engine worker bootstrap: the core is TypeScript run through tsx (as core/bin/mlxv.js does), and a worker
// thread does not inherit the parent's loader, so it registers tsx itself before loading the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
