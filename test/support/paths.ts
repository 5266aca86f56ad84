/** Where the tests' shared inputs are: the repository root and test/fixtures (real clips and stills). */
import path from 'node:path';
import { repoRoot } from '../../core/src/models/paths.ts';

export { repoRoot };

export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');

export const fixture = (name: string): string => path.join(fixturesDir, name);
