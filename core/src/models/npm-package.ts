/**
 * Finds an installed npm package folder without going through its `exports` map (model packages rarely
 * export their data files): walk up from a folder looking for node_modules/<name>/package.json, as Node does.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.ts';

export class PackageNotInstalledError extends Error {
  constructor(readonly packageName: string) {
    super(
      `npm package ${packageName} is not installed (run \`flock /tmp/npm.lock npm install --no-audit --no-fund ${packageName}\` in the repository)`,
    );
    this.name = 'PackageNotInstalledError';
  }
}

export function findPackageDir(name: string, from: string = repoRoot): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new PackageNotInstalledError(name);
  }
}

/** Absolute path of a file inside a package; refuses paths that climb out of the package folder. */
export function packageFile(packageDir: string, relative: string): string {
  const file = path.resolve(packageDir, relative);
  if (!file.startsWith(packageDir + path.sep)) {
    throw new Error(`path "${relative}" leaves the package folder ${packageDir}`);
  }
  return file;
}
