/**
 * OFX truth (issue 10): what a host gets does not depend on how it schedules renders.
 * - IsIdentity is answered from the descriptor's identityWhen: identity at gain 1 is copied by the host, with no
 *   daemon at all; at gain 0.5 it renders.
 * - Frames 0..9 of a real clip rendered forward, backward and shuffled give the same pixels per frame for every
 *   per-frame effect. A sequential effect (matte, whose stabiliser carries state from frame to frame) gets there
 *   by pre-rolling its daemon session with the frames before N whenever the previous render was not N-1.
 */
import { isFilter } from '../../core/src/contract/effect.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEffects } from '../../core/src/effects/registry.ts';
import {
  fixture,
  maxDiff,
  ofxBuild,
  rawClip,
  readRaw,
  runHost,
  startDaemonProcess,
  type DaemonProcess,
  type OfxBuild,
} from './helpers.ts';

const W = 48;
const H = 48;
const FRAMES = 10;

/** Params per effect for the order test: real work (not identity's pass-through), the fast models. */
const ORDER_PARAMS: Record<string, string[]> = {
  identity: ['gain=0.5'],
  matte: ['model=Portrait, fast (selfie)', 'stabilize=0.8'],
  upscale: ['scale=2x', 'model=Fast (animevideov3)'],
  // Full-size working frames (48 px) keep the model cheap; temporal consistency on: the sequential part.
  style: ['workingHeight=0', 'temporalConsistency=true'],
  // preRoll 48: covered faces come from a tracker re-run over the last 48 frames' detections.
  'face-anonymize': ['method=Pixelate'],
  depth: ['stabilize=0.8'],
  'lens-blur': ['aperture=4'],
  // A colour reference of frame 0 (the astronaut the clip is made from): flow, solve and stabilisation run.
  colorize: [`reference=${fixture('astronaut-256.png')}`, 'workingHeight=0', 'minMatch=0'],
  // Sequential, no declared preRoll (the driver's first face is its reference): pre-rolled from the clip start.
  'face-puppet': ['portrait=/usr/lib/python3/dist-packages/skimage/data/astronaut.png'],
};

describe('OFX: IsIdentity and render order', () => {
  let build: OfxBuild;
  let daemon: DaemonProcess;
  let clip: ReturnType<typeof rawClip>;
  beforeAll(async () => {
    build = ofxBuild();
    daemon = await startDaemonProcess();
    clip = rawClip(fixture('closeup-2398.mp4'), FRAMES, W, H);
  });
  afterAll(async () => daemon?.stop());

  const clipArgs = (): string[] => ['--input', clip.path, '--width', String(W), '--height', String(H)];

  it('answers IsIdentity from identityWhen: gain 1 is copied by the host without any daemon', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-id-')), 'f');
    const noDaemon = { MLXV_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-id-')), MLXV_PORT: '9' };
    const r = await runHost(
      build,
      [
        '--plugin',
        'org.mlxvideo.identity',
        ...clipArgs(),
        '--frames',
        '3',
        '--output-frames',
        out,
        '--expect',
        'ok',
      ],
      noDaemon,
    );
    expect(r.code, r.report.why + r.stderr).toBe(0);
    expect(r.report.renders.every((x) => x.identity)).toBe(true);
    for (let t = 0; t < 3; t++) expect(maxDiff(readRaw(`${out}.${t}`), clip.frames[t]!)).toBe(0);

    const rendered = await runHost(
      build,
      ['--plugin', 'org.mlxvideo.identity', ...clipArgs(), '--param', 'gain=0.5', '--expect', 'ok'],
      daemon.env,
    );
    expect(rendered.code, rendered.report.why).toBe(0);
    expect(rendered.report.renders.map((x) => x.identity)).toEqual([false]);
  });

  for (const fx of listEffects().filter(isFilter)) {
    it(`${fx.id}: frames 0..${FRAMES - 1} forward, backward and shuffled give the same pixels`, async () => {
      const params = ORDER_PARAMS[fx.id];
      if (!params) throw new Error(`add order-test params for the new per-frame effect ${fx.id}`);
      const outputs: Record<string, Float32Array[]> = {};
      for (const order of ['forward', 'backward', 'shuffle']) {
        const prefix = path.join(mkdtempSync(path.join(tmpdir(), `mlxv-ofx-${order}-`)), 'f');
        const r = await runHost(
          build,
          ['--plugin', `org.mlxvideo.${fx.id}`, ...clipArgs(), '--frames', String(FRAMES), '--order', order]
            .concat(params.flatMap((p) => ['--param', p]))
            .concat(['--output-frames', prefix, '--expect', 'ok']),
          { ...daemon.env, MLXV_OFX_TIMEOUT_MS: '180000' },
        );
        expect(r.code, `${order}: ${r.report.why} ${JSON.stringify(r.report.messages)}`).toBe(0);
        outputs[order] = Array.from({ length: FRAMES }, (_, t) => readRaw(`${prefix}.${t}`));
        if (fx.kind === 'filter' && fx.temporal === 'sequential' && order === 'backward') {
          // Frame 9 first: its own source, then the pre-roll (the declared preRoll frames, else from the clip start).
          const first = Math.max(0, FRAMES - 1 - (fx.preRoll ?? FRAMES));
          const preroll = Array.from({ length: FRAMES - 1 - first }, (_, k) => first + k);
          expect(r.report.sourceTimesFetched.slice(0, preroll.length + 1)).toEqual([FRAMES - 1, ...preroll]);
        }
      }
      for (let t = 0; t < FRAMES; t++) {
        expect(maxDiff(outputs.backward![t]!, outputs.forward![t]!), `${fx.id} frame ${t} backward`).toBe(0);
        expect(maxDiff(outputs.shuffle![t]!, outputs.forward![t]!), `${fx.id} frame ${t} shuffled`).toBe(0);
      }
      // Three orders of a sequential effect re-render its pre-roll for every out-of-order frame: depth (its
      // models run at their own size whatever the frame's) takes ~95 s alone on 2 cores, and over 240 s
      // while other test files share the cores.
    }, 600_000);
  }

  it('matte: the sequence really carries state (frame 9 alone differs from frame 9 after 0..8)', async () => {
    // Without this, the order test above could pass on an effect with no temporal state at all. The same
    // catalog with matte's preRoll removed, and no fallback pre-roll: frame 9 rendered first, alone.
    const catalog = JSON.parse(
      readFileSync(path.join(build.bundle, 'Contents', 'Resources', 'effects.json'), 'utf8'),
    ) as { effects: { id: string; preRoll?: number }[] };
    for (const e of catalog.effects) if (e.id === 'matte') delete e.preRoll;
    const noPreroll = path.join(mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-catalog-')), 'effects.json');
    writeFileSync(noPreroll, JSON.stringify(catalog));
    const prefix = path.join(mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-noroll-')), 'f');
    const single = await runHost(
      build,
      ['--plugin', 'org.mlxvideo.matte', ...clipArgs(), '--frames', String(FRAMES), '--order', 'backward']
        .concat(ORDER_PARAMS.matte!.flatMap((p) => ['--param', p]))
        .concat(['--output-frames', prefix, '--expect', 'ok']),
      {
        ...daemon.env,
        MLXV_OFX_TIMEOUT_MS: '180000',
        MLXV_OFX_MAX_PREROLL: '0',
        MLXV_OFX_EFFECTS_FILE: noPreroll,
      },
    );
    expect(single.code, single.report.why).toBe(0);
    const forwardPrefix = path.join(mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-fwd-')), 'f');
    await runHost(
      build,
      ['--plugin', 'org.mlxvideo.matte', ...clipArgs(), '--frames', String(FRAMES)]
        .concat(ORDER_PARAMS.matte!.flatMap((p) => ['--param', p]))
        .concat(['--output-frames', forwardPrefix, '--expect', 'ok']),
      { ...daemon.env, MLXV_OFX_TIMEOUT_MS: '180000' },
    );
    expect(maxDiff(readRaw(`${prefix}.9`), readRaw(`${forwardPrefix}.9`))).toBeGreaterThan(1e-3);
  });
});
