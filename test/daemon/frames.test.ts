/**
 * frame.render: binary and shared-memory transports, per-instance sessions (in-order state, reset on a
 * jump), cancellation, and that a client vanishing mid-frame leaves no sessions or shm regions behind.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameSessions } from '../../core/src/daemon/frame-sessions.ts';
import { createShm, openShm, unlinkShm } from '../../core/src/daemon/native.ts';
import { nativeAddon } from '../../core/src/native/addon.ts';
import { createFrame, type Frame } from '../../core/src/effects/frame.ts';
import type { FilterEffect } from '../../core/src/effects/types.ts';
import { encodeFrameMessage } from '../../core/src/client/protocol.ts';
import {
  RawSocket,
  eventually,
  mlxvShmRegions,
  rampPixels,
  startTestDaemon,
  type TestDaemon,
} from './helpers.ts';

let t: TestDaemon;
beforeAll(async () => {
  t = await startTestDaemon();
});
afterAll(() => t.stop());

describe('binary transport', () => {
  it('returns the effect output for each request, matched by id even when answered out of order', async () => {
    const c = await t.connect();
    const frames = [1, 2, 3, 4].map((g) => ({ gain: g / 2, px: rampPixels(5 + g, 3, g) }));
    const outs = await Promise.all(
      frames.map((f, i) =>
        c.renderFrame({
          instance: `i${i}`,
          effect: 'identity',
          params: { gain: f.gain },
          index: 0,
          width: f.px.length / 12,
          height: 3,
          pixels: f.px,
        }),
      ),
    );
    outs.forEach((o, i) => {
      const f = frames[i]!;
      expect(o.width).toBe(f.px.length / 12);
      for (let k = 0; k < f.px.length; k++)
        expect(o.pixels![k]).toBeCloseTo(k % 4 === 3 ? f.px[k]! : f.px[k]! * f.gain, 6);
    });
    c.close();
  });

  it('cancels a frame through an AbortSignal', async () => {
    const c = await t.connect();
    const ac = new AbortController();
    ac.abort();
    await expect(
      c.renderFrame({
        instance: 'a',
        effect: 'identity',
        index: 0,
        width: 2,
        height: 2,
        pixels: rampPixels(2, 2),
        signal: ac.signal,
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    c.close();
  });
});

describe.runIf(nativeAddon() !== null)('shared memory transport', () => {
  it('client-created regions: the daemon reads the input and writes the output in place', async () => {
    const c = await t.connect();
    expect(c.hello.shm).toBe(true);
    const name = `/mlxv-test-${randomBytes(4).toString('hex')}`;
    const bytes = 6 * 4 * 16;
    const region = createShm(name, bytes);
    try {
      const view = new Float32Array(region.buffer);
      const px = rampPixels(6, 4);
      view.set(px);
      const out = await c.renderFrame({
        instance: 'shm',
        effect: 'identity',
        params: { gain: 0.5 },
        index: 0,
        width: 6,
        height: 4,
        shm: { shm: name, bytes, outShm: name, outBytes: bytes },
      });
      expect(out.pixels).toBeUndefined();
      expect(view[0]).toBeCloseTo(px[0]! * 0.5);
      expect(view[5]).toBeCloseTo(px[5]! * 0.5);
      expect(view[7]).toBe(px[7]); // alpha untouched
      await c.releaseShm(name);
      expect(t.daemon.stats().mappedShm).toBe(0);
    } finally {
      region.close();
      unlinkShm(name);
    }
    c.close();
  });

  it('daemon-created regions are unlinked on release and on disconnect', async () => {
    const c = await t.connect();
    const bytes = 4 * 4 * 16;
    const a = await c.createShm(bytes);
    const b = await c.createShm(bytes);
    expect(mlxvShmRegions()).toEqual(expect.arrayContaining([a.name.slice(1), b.name.slice(1)]));
    const inMap = openShm(a.name);
    const outMap = openShm(b.name);
    new Float32Array(inMap.buffer).set(rampPixels(4, 4));
    await c.renderFrame({
      instance: 'x',
      effect: 'identity',
      params: { gain: 2 },
      index: 0,
      width: 4,
      height: 4,
      shm: { shm: a.name, bytes, outShm: b.name, outBytes: bytes },
    });
    expect(new Float32Array(outMap.buffer)[1]).toBeCloseTo(rampPixels(4, 4)[1]! * 2);
    inMap.close();
    outMap.close();
    await c.releaseShm(a.name);
    expect(mlxvShmRegions()).not.toContain(a.name.slice(1));
    c.close();
    await eventually(() => !mlxvShmRegions().includes(b.name.slice(1)));
    expect(t.daemon.liveShm()).toEqual([]);
  });

  it('an shm region too small for the frame → FRAME_SIZE_MISMATCH', async () => {
    const c = await t.connect();
    const r = await c.createShm(64);
    await expect(
      c.renderFrame({
        instance: 'x',
        effect: 'identity',
        index: 0,
        width: 4,
        height: 4,
        shm: { shm: r.name, bytes: 256, outShm: r.name, outBytes: 256 },
      }),
    ).rejects.toMatchObject({ code: 'FRAME_SIZE_MISMATCH' });
    c.close();
  });
});

describe('disconnect mid-frame', () => {
  it('leaves no sessions, in-flight frames or shm regions', async () => {
    // Regions this in-process daemon creates are named /mlxv-<pid>-...; earlier tests' are gone by now.
    const ours = () => mlxvShmRegions().filter((n) => n.startsWith(`mlxv-${process.pid}-`));
    await eventually(() => ours().length === 0);
    const token = readFileSync(join(t.dir, 'token'), 'utf8').trim();
    const s = await RawSocket.authed(t.daemon.url, token);
    if (nativeAddon()) {
      s.json({ type: 'shm.create', id: 1, bytes: 4096 });
      await s.reply(1);
    }
    // Frames in every state: waiting for pixels, queued, being processed.
    for (let i = 0; i < 6; i++) {
      s.json({
        type: 'frame.render',
        id: 10 + i,
        instance: `inst${i % 3}`,
        effect: 'identity',
        params: { gain: 2 },
        frame: { index: i, width: 32, height: 32 },
        transport: 'binary',
      });
      if (i < 4) s.send(encodeFrameMessage(10 + i, rampPixels(32, 32)));
    }
    await eventually(() => t.daemon.stats().instances >= 1);
    if (nativeAddon()) expect(ours()).toHaveLength(1);
    s.ws.terminate();
    await eventually(() => t.daemon.stats().connections === 0);
    expect(t.daemon.stats()).toMatchObject({ instances: 0, inFlightFrames: 0, ownedShm: 0, mappedShm: 0 });
    expect(ours()).toEqual([]);
  });
});

describe('per-instance sessions', () => {
  // A sequential effect that counts frames since its last reset, so the test can see every reset.
  let resets = 0;
  const counter: FilterEffect = {
    kind: 'filter',
    id: 'counter',
    label: 'Counter',
    category: 'utility',
    description: 'test effect',
    params: {},
    models: [],
    temporal: 'sequential',
    outputs: ['rgba'],
    async createProcessor() {
      let n = 0;
      return {
        async process(frame: Frame) {
          n++;
          await new Promise((r) => setTimeout(r, Math.random() * 3));
          const out = createFrame(1, 1);
          out.data[0] = n;
          out.data[1] = frame.data[0]!;
          return out;
        },
        reset() {
          n = 0;
          resets++;
        },
      };
    },
  };
  const one = (v: number): Frame => ({ ...createFrame(1, 1), data: Float32Array.of(v, 0, 0, 1) });

  it('keeps state while frames arrive in order, resets on a jump, instances independent', async () => {
    const sessions = new FrameSessions(async () => ({}) as never);
    const run = (inst: string, index: number) =>
      sessions.render(inst, counter, {}, index, one(index), () => true);
    // Fired together: processed in arrival order per instance despite random processing times.
    const a = await Promise.all([0, 1, 2, 3].map((i) => run('A', i)));
    expect(a.map((f) => [f!.data[0], f!.data[1]])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
    const b = await Promise.all([10, 11].map((i) => run('B', i)));
    expect(b.map((f) => f!.data[0])).toEqual([1, 2]);
    expect(resets).toBe(0);
    // A jump (scrub to 50) resets A only; then in order again.
    expect((await run('A', 50))!.data[0]).toBe(1);
    expect((await run('A', 51))!.data[0]).toBe(2);
    expect((await run('B', 12))!.data[0]).toBe(3);
    expect(resets).toBe(1);
    // Going back one frame is a jump too.
    expect((await run('A', 50))!.data[0]).toBe(1);
    // A frame cancelled while queued is skipped and does not advance the sequence.
    const skipped = await sessions.render('A', counter, {}, 51, one(51), () => false);
    expect(skipped).toBeNull();
    expect((await run('A', 51))!.data[0]).toBe(2);
    sessions.closeAll();
    expect(sessions.size).toBe(0);
  });
});
