/**
 * The motion-parallax depth source (core/src/effects/depth/motion.ts). What is measured (figures printed;
 * docs/depth.md quotes them):
 * - a constructed flow (known depth, a camera that pans, zooms, rolls and translates): γ recovers the inverse
 *   depth's order, so the camera's global motion is really removed;
 * - real clips whose camera does not translate (a zoom over a flat photo; a tripod street shot with walkers):
 *   the parallax is declared unusable, so the source stays the layered depth and walkers are not taken as near.
 * Middlebury Aloe's left/right pair as two frames of a sideways camera move, scored against its ground truth
 * next to the other sources, is in depth.test.ts (which computes the layered depth the motion source fuses).
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { toFloat32, type F32Frame } from '../../core/src/effects/frame.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { motionParallax, parallaxFromFlow } from '../../core/src/effects/depth/motion.ts';
import { spearman } from '../../core/src/effects/depth/depth-map.ts';
import { FLOW_MODEL, type Flow } from '../../core/src/effects/shared/optical-flow.ts';
import { repoRoot } from '../../core/src/models/paths.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

async function clipFrames(file: string, start: number, count: number): Promise<F32Frame[]> {
  const out: F32Frame[] = [];
  for await (const f of decodeFrames(file, { range: { start, end: start + count - 1 } }))
    out.push(toFloat32(f));
  return out;
}

describe('motion parallax', () => {
  it('removes the global motion of a constructed flow and recovers the depth order', () => {
    // A scene of blocks at six depths; the camera pans (shift), zooms 3 %, rolls 2° and moves sideways:
    // flow = similarity(p) − p + baseline · inverse depth. (Not a depth *ramp*: a linear gradient of inverse
    // depth across the frame is, over two frames, the same flow as a roll or zoom: not observable.)
    const w = 160;
    const h = 120;
    const inv = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        inv[y * w + x] = 0.2 + 0.3 * (((x / 40) | 0) % 3) + 0.2 * (((y / 30) | 0) % 2);
    const flow: Flow = { data: new Float32Array(2 * w * h), pw: w, ph: h };
    const [s, th] = [1.03, (2 * Math.PI) / 180];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const cx = x - w / 2;
        const cy = y - h / 2;
        const i = y * w + x;
        flow.data[i] = s * (Math.cos(th) * cx - Math.sin(th) * cy) - cx + 3 + 6 * inv[i]!;
        flow.data[w * h + i] = s * (Math.sin(th) * cx + Math.cos(th) * cy) - cy - 2;
      }
    const m = parallaxFromFlow(flow, new Float32Array(w * h).fill(1), w, h);
    expect(m.usable).toBe(true);
    expect(m.radialShare).toBeGreaterThan(0.9);
    const rho = Math.abs(spearman(m.gamma.data, inv));
    const raw = spearman(flow.data.subarray(0, w * h), inv); // the flow's x as it is, camera motion included
    console.log(
      `constructed flow: spearman(γ, inverse depth) ${rho.toFixed(3)}, raw flow x ${raw.toFixed(3)}`,
    );
    expect(rho).toBeGreaterThan(0.95);
    expect(rho).toBeGreaterThan(raw + 0.1);
  });

  it('real clips whose camera does not translate give no parallax (layered stays)', async () => {
    const rife = await ctx.sessions.get(FLOW_MODEL);
    const cases = [
      // A real photo under a synthetic push-in: the camera zooms, the scene is flat.
      { file: 'test/fixtures/closeup-2398.mp4', why: 'zoom over a flat photo' },
      // A tripod: only the walkers move (their motion is not parallax).
      { file: 'test/fixtures/wide-street.mp4', why: 'static camera, walkers' },
    ];
    for (const c of cases) {
      const [a, , b] = await clipFrames(path.join(repoRoot, c.file), 10, 3);
      const m = await motionParallax(rife, a!, b!);
      console.log(
        `${c.file} (${c.why}): camera ${m.cameraPx.toFixed(2)} px, parallax ${m.parallaxPx.toFixed(2)} px`,
      );
      expect(m.usable).toBe(false);
      expect(m.confidence.data.every((v) => v === 0)).toBe(true);
    }
  }, 240_000);
});
