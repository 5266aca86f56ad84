/**
 * Every string ofx-bridge/include/ofx_abi.h defines (actions, properties, contexts, types, suites) against the
 * OpenFX specification's headers (test/ofx/openfx-spec-strings.ts names the files and commits read). A wrong
 * string is not a compile error: the host answers kOfxStatErrUnknown and the feature silently does not exist
 * (issue 9: kOfxImageEffectPropSupportsMultipleClipDepths).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.ts';
import { specString } from './openfx-spec-strings.ts';

/** `#define kName "value"` pairs of a C header. */
export function stringDefines(file: string): [string, string][] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^#define\s+(k\w+)\s+"([^"]*)"/gm)].map((m) => [m[1]!, m[2]!]);
}

describe('ofx_abi.h strings', () => {
  const defines = stringDefines(path.join(repoRoot, 'ofx-bridge', 'include', 'ofx_abi.h'));

  it('finds the header full of names (the parser works)', () => {
    expect(defines.length).toBeGreaterThan(140);
  });

  it('defines every name with the value the OpenFX headers give it', () => {
    const wrong = defines
      .filter(([name, value]) => specString(name) !== value)
      .map(
        ([name, value]) =>
          `${name}: ours "${value}", spec ${JSON.stringify(specString(name) ?? 'no such name')}`,
      );
    expect(wrong).toEqual([]);
  });
});
