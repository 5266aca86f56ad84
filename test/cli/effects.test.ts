import { describe, expect, it } from 'vitest';
import { mlxv } from './helpers.ts';

describe('mlxv effects', () => {
  it('lists every effect with its params: type, default, range, choices', async () => {
    const r = await mlxv(['effects']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^identity\s+Identity/m);
    expect(r.stdout).toMatch(/--param gain=<number>\s+Gain; default 1, range 0\.\.16 \(usual 0\.\.2\)/);
  });

  it('--json gives the descriptors, matching what `run` accepts', async () => {
    const r = await mlxv(['effects', '--json']);
    expect(r.code).toBe(0);
    const effects = JSON.parse(r.stdout) as { id: string; params: Record<string, { type: string }> }[];
    const ids = effects.map((e) => e.id);
    expect(ids).toContain('identity');
    expect(effects.find((e) => e.id === 'identity')!.params.gain!.type).toBe('number');
    const matte = effects.find((e) => e.id === 'matte');
    // matte is the main job's effect: once registered it must list its params like any other.
    if (matte) {
      expect(Object.keys(matte.params).length).toBeGreaterThan(0);
      const text = (await mlxv(['effects'])).stdout;
      expect(text).toMatch(/^matte\s/m);
    }
  });
});
