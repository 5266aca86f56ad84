/** The mlxv launcher of this checkout: what exported farm jobs run unless told otherwise. */
import path from 'node:path';
import { repoRoot } from '../models/paths.ts';

export function mlxvBinPath(): string {
  return path.join(repoRoot, 'core', 'bin', 'mlxv.js');
}
