/**
 * The built OFX bundle, loaded by the C++ test host, rendering real frames through a live daemon
 * (`mlxv serve`): descriptions generated from the effect registry, identity over both transports and every
 * pixel layout, several instances at once, NULL source images, the matte's alpha against the in-process
 * effect, and a scaling effect's larger region of definition and pixels against the in-process effect.
 */
import { isFilter } from '../../core/src/contract/effect.ts';
import { toFloat32 } from '../../core/src/contract/frame.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEffects, getEffect, getFilter } from '../../core/src/effects/registry.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import {
  fixture,
  ofxBuild,
  rawFromImage,
  readRaw,
  runHost,
  startDaemonProcess,
  tempFile,
} from './helpers.ts';
import type { DaemonProcess, OfxBuild } from './helpers.ts';
import { outputSizeOf } from '../../core/src/effects/descriptor-data.ts';

const W = 64;
const H = 48;

describe('OFX plugin against a live daemon', () => {
  let build: OfxBuild;
  let daemon: DaemonProcess;
  let input: { path: string; data: Float32Array };

  beforeAll(async () => {
    build = ofxBuild();
    daemon = await startDaemonProcess();
    input = await rawFromImage(fixture('astronaut-256.png'), W, H);
  });
  afterAll(async () => daemon?.stop());

  const identityArgs = (out: string) => [
    '--plugin',
    'org.mlxvideo.identity',
    '--input',
    input.path,
    '--width',
    String(W),
    '--height',
    String(H),
    '--param',
    'gain=0.5',
    '--output',
    out,
    '--expect',
    'ok',
  ];

  /** Largest difference between the output and input * 0.5 (RGB; alpha passes unchanged). */
  function identityError(out: Float32Array): number {
    expect(out.length).toBe(input.data.length);
    let worst = 0;
    for (let i = 0; i < out.length; i++) {
      const want = (i & 3) === 3 ? input.data[i]! : input.data[i]! * 0.5;
      worst = Math.max(worst, Math.abs(out[i]! - want));
    }
    return worst;
  }

  it('describes one plugin per per-frame effect, with range and display range on every numeric param', async () => {
    const r = await runHost(build, ['--list']);
    expect(r.code, r.stderr).toBe(0);
    const listed = (
      r.report as unknown as {
        plugins: { id: string; threadSafety: string; tiles: number; params: Record<string, unknown>[] }[];
      }
    ).plugins;
    const perFrame = listEffects().filter((fx) => fx.kind === 'filter');
    expect(listed.map((p) => p.id).sort()).toEqual(perFrame.map((fx) => `org.mlxvideo.${fx.id}`).sort());
    for (const p of listed) {
      expect(p.threadSafety).toBe('OfxImageEffectRenderInstanceSafe');
      expect(p.tiles).toBe(0);
      const fx = getEffect(p.id.replace('org.mlxvideo.', ''));
      expect(p.params.map((q) => q.name)).toEqual(Object.keys(fx.params));
      for (const q of p.params) {
        if (q.type !== 'OfxParamTypeDouble' && q.type !== 'OfxParamTypeInteger') continue;
        const spec = fx.params[q.name as string]!;
        if (spec.type !== 'number') throw new Error(`${q.name} is numeric in OFX only`);
        expect(q).toMatchObject({
          Min: [spec.min],
          Max: [spec.max],
          DisplayMin: [spec.displayMin],
          DisplayMax: [spec.displayMax],
        });
      }
    }
  });

  it('renders a real image through identity over shared memory and over binary WebSocket', async () => {
    for (const transport of ['shm', 'binary']) {
      const out = tempFile('identity.rgbaf');
      const r = await runHost(build, identityArgs(out), {
        ...daemon.env,
        MLXV_OFX_TRANSPORT: transport,
        MLXV_OFX_LOG: '1',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.report.violations).toEqual([]);
      expect(identityError(readRaw(out))).toBeLessThan(1e-6);
      // The transport the frame really travelled by: the plugin may fall back to binary when the daemon cannot
      // map shared memory, which would let this case pass without testing shm at all. The native build
      // (scripts/build-native.sh) gives the daemon its addon, so shm must be used here.
      expect(r.stderr).toContain(`via ${transport}`);
      expect(r.stderr).not.toContain(`via ${transport === 'shm' ? 'binary' : 'shm'}`);
    }
  });

  it('handles Resolve mode, negative row bytes, row padding, half, short and byte images', async () => {
    const cases: [string[], number][] = [
      [['--resolve', '--negative-rowbytes'], 1e-6],
      [['--row-padding', '12', '--negative-rowbytes', '--depth', 'half'], 2e-3],
      [['--depth', 'short'], 1e-4],
      [['--depth', 'byte', '--row-padding', '3'], 1 / 255 + 1e-6],
    ];
    for (const [flags, tolerance] of cases) {
      const out = tempFile('layout.rgbaf');
      const r = await runHost(build, [...identityArgs(out), ...flags], daemon.env);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(0);
      expect(identityError(readRaw(out)), flags.join(' ')).toBeLessThanOrEqual(tolerance);
    }
  });

  it('renders 4 instances in parallel, each with its own connection and correct pixels', async () => {
    const out = tempFile('parallel.rgbaf');
    const r = await runHost(
      build,
      [...identityArgs(out), '--instances', '4', '--frames', '2', '--resolve'],
      daemon.env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.report.renders).toHaveLength(8);
    expect(r.report.renders.every((x) => x.status === 0)).toBe(true);
    for (const file of [out, `${out}.1`, `${out}.2`, `${out}.3`])
      expect(identityError(readRaw(file))).toBeLessThan(1e-6);
  });

  it('turns a NULL source image (connected but empty clip) into transparent black without calling the daemon', async () => {
    const out = tempFile('null.rgbaf');
    const args = identityArgs(out).map((a) => (a === 'ok' ? 'clear' : a));
    const r = await runHost(build, [...args, '--resolve', '--null-source'], {
      ...daemon.env,
      MLXV_OFX_LOG: '1',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('request');
    expect(r.report.messages).toEqual([]);
  });

  it('sends real frames through matte and gets back the alpha the effect computes in-process', async () => {
    const params = { model: 'selfie', stabilize: 0 };
    const out = tempFile('matte.rgbaf');
    const r = await runHost(
      build,
      [
        '--plugin',
        'org.mlxvideo.matte',
        '--input',
        input.path,
        '--width',
        String(W),
        '--height',
        String(H),
      ].concat([
        '--param',
        'model=Portrait, fast (selfie)',
        '--param',
        'stabilize=0',
        '--output',
        out,
        '--expect',
        'ok',
        '--resolve',
      ]),
      { ...daemon.env, MLXV_OFX_TIMEOUT_MS: '180000' },
    );
    expect(r.code, JSON.stringify(r.report.messages) + r.stderr).toBe(0);
    const got = readRaw(out);

    const fx = getFilter('matte');
    const processor = await fx.createProcessor(createEffectContext());
    const frame = {
      width: W,
      height: H,
      stride: W * 4,
      format: 'f32' as const,
      data: new Float32Array(input.data),
      colorSpace: 'display' as const,
    };
    const want = await processor.process(frame, resolveParams(fx.params, params));
    await processor.dispose?.();
    let worst = 0;
    let opaque = 0;
    let clear = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const a = got[(y * W + x) * 4 + 3]!;
        worst = Math.max(worst, Math.abs(a - want.data[y * want.stride + x * 4 + 3]!));
        if (a > 0.9) opaque++;
        if (a < 0.1) clear++;
      }
    }
    expect(worst).toBeLessThan(1e-4);
    // A portrait: the person is a solid part of the frame and the background around it is cut away.
    expect(opaque).toBeGreaterThan(W * H * 0.15);
    expect(clear).toBeGreaterThan(W * H * 0.05);
  });

  it('gives a scaling effect (upscale) a region of definition larger than the source', async () => {
    const upscale = listEffects().find((fx) => fx.id === 'upscale');
    if (!upscale || !isFilter(upscale)) throw new Error('upscale is not a registered filter');
    const out = tempFile('upscale.rgbaf');
    const r = await runHost(
      build,
      [
        '--plugin',
        'org.mlxvideo.upscale',
        '--input',
        input.path,
        '--width',
        String(W),
        '--height',
        String(H),
      ].concat(['--param', 'scale=0', '--output', out, '--resolve']),
      { ...daemon.env, MLXV_OFX_TIMEOUT_MS: '180000' },
    );
    expect(r.code, r.stderr).toBe(0);
    const factor = outputSizeOf(upscale, W, H, resolveParams(upscale.params, { scale: '2' }));
    expect(r.report.outputs[0]!.rod).toEqual([0, 0, factor.width, factor.height]);
    expect(r.report.outputs[0]).toMatchObject({ width: factor.width, height: factor.height });
    expect(r.report.messages, 'the daemon rendered the upscale').toEqual([]);
    const got = readRaw(out);
    expect(got.length).toBe(factor.width * factor.height * 4);

    // The same effect in-process on the same frame: the plugin path must give its pixels (only float32
    // transport in between, so the bound is tight).
    const processor = await upscale.createProcessor(createEffectContext());
    const frame = {
      width: W,
      height: H,
      stride: W * 4,
      format: 'f32' as const,
      data: new Float32Array(input.data),
      colorSpace: 'display' as const,
    };
    const want = toFloat32(await processor.process(frame, resolveParams(upscale.params, { scale: '2' })));
    await processor.dispose?.();
    expect(want.width * want.height * 4).toBe(got.length);
    let worst = 0;
    for (let y = 0; y < want.height; y++) {
      for (let x = 0; x < want.width * 4; x++) {
        worst = Math.max(worst, Math.abs(got[y * want.width * 4 + x]! - want.data[y * want.stride + x]!));
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
