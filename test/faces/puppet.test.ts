/**
 * face-puppet must-shows. A real portrait (the NASA astronaut portrait, public domain, python3-skimage) driven
 * by a clip made from another real photo (puppet-driver.ts: Grace Hopper with a head turn, mouth openings
 * and a 5-frame stretch where a black box hides her face), run as a job like the CLI runs it. Everything is
 * measured on the decoded files with FaceMesh (the mesh of the output, not the puppet's internal mesh):
 * mouth opening and head yaw of the output against the driver's (Pearson correlation), the portrait's
 * identity landmarks kept, the "SYNTHETIC" mark on every frame, the synthetic declaration in the container
 * (ffprobe), the hold while the driver face is lost. Bad portraits are refused with clear messages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { runJob } from '../../core/src/pipeline/run-job.ts';
import { createEncoder } from '../../core/src/media/encode.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { ffprobePath } from '../../core/src/media/ffmpeg.ts';
import type { F32Frame } from '../../core/src/effects/frame.ts';
import { FACE_MODEL_ID, FaceDetector } from '../../core/src/effects/faces/face-detector.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from '../../core/src/effects/faces/face-mesh.ts';
import { POSE_POINTS } from '../../core/src/effects/faces/mesh-topology.ts';
import { identityDistance } from '../../core/src/effects/faces/face-identity.ts';
import { mouthOpening } from '../../core/src/effects/face-puppet/mouth.ts';
import { preparePortrait } from '../../core/src/effects/face-puppet/puppet.ts';
import { fitSimilarity, yawDegrees } from '../../core/src/effects/faces/similarity.ts';
import { markInk, markLayout, MARK_TEXT } from '../../core/src/effects/face-puppet/synthetic-mark.ts';
import { facePuppetEffect } from '../../core/src/effects/face-puppet/descriptor.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { imageFrame } from './helpers.ts';
import { defaultPlan, driverFrame, DRIVER_PHOTO } from './puppet-driver.ts';
import { pearson } from './stats.ts';

const PORTRAIT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const NO_FACE = '/usr/share/doc/opencv-doc/examples/data/fruits.jpg';
const W = 384;
const H = 448;
const FRAMES = 36;
const HIDDEN = [20, 21, 22, 23, 24];

const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-puppet-'));
const ctx = createEffectContext({ providers: ['cpu'] });
let detector: FaceDetector;
let mesher: FaceMesher;
beforeAll(async () => {
  detector = new FaceDetector(await ctx.sessions.get(FACE_MODEL_ID), getManifest(FACE_MODEL_ID).input);
  mesher = new FaceMesher(await ctx.sessions.get(FACEMESH_MODEL_ID), getManifest(FACEMESH_MODEL_ID).input);
});
afterAll(async () => {
  await ctx.sessions.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** The mesh of the biggest face in a frame, or undefined (the measuring instrument, same as for the driver). */
async function measure(frame: F32Frame): Promise<Float32Array | undefined> {
  const faces = await detector.detect(frame, { minScore: 0.5 });
  if (faces.length === 0) return undefined;
  const face = faces.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
  const mesh = await mesher.forFace(frame, face);
  return mesh.score >= 0.5 ? mesh.points : undefined;
}

const identityError = identityDistance;

/** Fraction of the mark's font cells whose centre pixel is not what the mark says (ink bright, box dark). */
function markMismatch(frame: F32Frame): number {
  const { cell, textX, textY } = markLayout(frame.width, frame.height, 'bottom-right');
  let wrong = 0;
  let cells = 0;
  for (let row = 0; row < 7; row++)
    for (let col = 0; col < MARK_TEXT.length * 6 - 1; col++) {
      const x = Math.floor(textX + (col + 0.5) * cell);
      const y = Math.floor(textY + (row + 0.5) * cell);
      const o = y * frame.stride + x * 4;
      const luma = 0.2126 * frame.data[o]! + 0.7152 * frame.data[o + 1]! + 0.0722 * frame.data[o + 2]!;
      if (markInk(col, row) ? luma < 0.75 : luma > 0.4) wrong++;
      cells++;
    }
  return wrong / cells;
}

describe('face-puppet on a real portrait driven by a made clip', () => {
  it('follows the driver’s mouth and head turn, keeps the portrait’s identity, marks every frame and the file, holds while the face is lost', async () => {
    // The driving clip: made from the real photo, encoded as a real H.264 file.
    const photo = await imageFrame(DRIVER_PHOTO, { width: W, height: H });
    const photoFaces = await detector.detect(photo, { minScore: 0.5 });
    const photoMesh = (await mesher.forFace(photo, photoFaces[0]!)).points;
    const plan = defaultPlan(FRAMES, HIDDEN);
    const driverFile = path.join(dir, 'driver.mp4');
    const enc = await createEncoder({
      output: driverFile,
      format: 'h264',
      width: W,
      height: H,
      frameRate: { num: 24, den: 1 },
    });
    for (let t = 0; t < FRAMES; t++) await enc.write(driverFrame(photo, photoMesh, plan, t));
    await enc.finish();

    const output = path.join(dir, 'puppet.mp4');
    const result = await runJob(
      { effect: 'face-puppet', input: driverFile, output, params: { portrait: PORTRAIT } },
      { ctx },
    );
    expect(result.frames).toBe(FRAMES);

    // The container says what the file is (ffprobe, independent of our encoder code).
    const probe = JSON.parse(
      execFileSync(ffprobePath()!, ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', output], {
        encoding: 'utf8',
      }),
    ) as { format: { tags: Record<string, string> } };
    expect(probe.format.tags.synthetic).toBe('true');
    expect(probe.format.tags.synthetic_by).toMatch(/face-puppet/);
    expect(probe.format.tags.synthetic_mark).toBe('bottom-right');
    expect(probe.format.tags.comment).toMatch(/^SYNTHETIC: face reenactment/);

    const drivers: F32Frame[] = [];
    for await (const f of decodeFrames(driverFile)) drivers.push(f);
    const outputs: F32Frame[] = [];
    for await (const f of decodeFrames(output)) outputs.push(f);
    expect(outputs.length).toBe(FRAMES);

    const portrait = await preparePortrait({ portrait: PORTRAIT, face: 0 }, W, H, detector, mesher);
    // One at a time: the detector and mesher reuse one input buffer per instance.
    const driverMeshes: (Float32Array | undefined)[] = [];
    for (const f of drivers) driverMeshes.push(await measure(f));
    const outputMeshes: (Float32Array | undefined)[] = [];
    for (const f of outputs) outputMeshes.push(await measure(f));
    // The hidden frames really hide the driver's face from the detector; every output frame shows a face.
    for (const t of HIDDEN) expect(driverMeshes[t], `driver frame ${t}`).toBeUndefined();
    expect(outputMeshes.every((m) => m !== undefined)).toBe(true);

    const visible = [...Array(FRAMES).keys()].filter((t) => !HIDDEN.includes(t));
    const d0 = driverMeshes[0]!;
    const o0 = outputMeshes[0]!;
    const mouthD = visible.map((t) => mouthOpening(driverMeshes[t]!));
    const mouthO = visible.map((t) => mouthOpening(outputMeshes[t]!));
    const yawD = visible.map((t) => yawDegrees(fitSimilarity(d0, driverMeshes[t]!, POSE_POINTS)));
    const yawO = visible.map((t) => yawDegrees(fitSimilarity(o0, outputMeshes[t]!, POSE_POINTS)));
    const identityOut = outputMeshes.map((m) => identityError(m!, portrait.mesh));
    const identityDriver = visible.map((t) => identityError(driverMeshes[t]!, portrait.mesh));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const marks = outputs.map(markMismatch);
    const rMouth = pearson(mouthD, mouthO);
    const rYaw = pearson(yawD, yawO);
    const f = (v: number[]) => `${Math.min(...v).toFixed(3)}..${Math.max(...v).toFixed(3)}`;
    console.log(
      `face-puppet (${FRAMES} frames, driver hidden ${HIDDEN[0]}-${HIDDEN.at(-1)}): mouth r=${rMouth.toFixed(3)} ` +
        `(driver ${f(mouthD)}, output ${f(mouthO)}); yaw r=${rYaw.toFixed(3)} (driver ${f(yawD)} deg, output ${f(yawO)} deg); ` +
        `identity error vs portrait ${f(identityOut)} eye-distances mean ${mean(identityOut).toFixed(3)} (the driver's own face: ${f(identityDriver)}, mean ${mean(identityDriver).toFixed(3)}); ` +
        `mark cells wrong ${f(marks)}`,
    );
    expect(rMouth).toBeGreaterThanOrEqual(0.9);
    expect(rYaw).toBeGreaterThanOrEqual(0.9);
    // The mouth really opens and the head really turns (not a constant the correlation could fake).
    expect(Math.max(...mouthO) - Math.min(...mouthO)).toBeGreaterThan(0.03);
    expect(Math.max(...yawO) - Math.min(...yawO)).toBeGreaterThan(10);
    // Identity: the output stays the portrait's face, far closer to it than the driver's face is.
    expect(Math.max(...identityOut)).toBeLessThan(0.05);
    expect(mean(identityOut)).toBeLessThan(mean(identityDriver) / 2);
    // The mark on every frame (after H.264): at most 3% of the font cells off.
    expect(Math.max(...marks)).toBeLessThanOrEqual(0.03);
    // Hold: while the driver face is hidden, the output is the last found frame's (within coding noise).
    const before = outputMeshes[HIDDEN[0]! - 1]!;
    for (const t of HIDDEN) {
      const m = outputMeshes[t]!;
      const shift = Math.hypot(m[1 * 3]! - before[1 * 3]!, m[1 * 3 + 1]! - before[1 * 3 + 1]!);
      expect(shift, `frame ${t}: nose tip moved while held`).toBeLessThan(1.5);
    }
  }, 300_000);
});

describe('face-puppet bad input', () => {
  it('no face in the portrait: a clear error naming the file', async () => {
    await expect(preparePortrait({ portrait: NO_FACE, face: 0 }, W, H, detector, mesher)).rejects.toThrow(
      `no face found in portrait ${NO_FACE}`,
    );
    await expect(
      preparePortrait({ portrait: path.join(dir, 'missing.jpg'), face: 0 }, W, H, detector, mesher),
    ).rejects.toThrow(/does not exist/);
  });

  it('several faces: refused with the list unless one is picked by index', async () => {
    const two = path.join(dir, 'two.png');
    const left = await sharp(PORTRAIT).removeAlpha().resize(400, 400).toBuffer();
    const right = await sharp(DRIVER_PHOTO)
      .removeAlpha()
      .resize(400, 470)
      .extract({ left: 0, top: 35, width: 400, height: 400 })
      .toBuffer();
    await sharp({ create: { width: 800, height: 400, channels: 3, background: '#808080' } })
      .composite([
        { input: left, left: 0, top: 0 },
        { input: right, left: 400, top: 0 },
      ])
      .png()
      .toFile(two);
    await expect(preparePortrait({ portrait: two, face: 0 }, W, H, detector, mesher)).rejects.toThrow(
      /shows 2 faces .*pick one with --param face=N/,
    );
    await expect(preparePortrait({ portrait: two, face: 3 }, W, H, detector, mesher)).rejects.toThrow(
      /use 1\.\.2/,
    );
    // face=2 is the right-hand face: Grace Hopper's glasses-and-cap face, cover-fitted around her.
    const picked = await preparePortrait({ portrait: two, face: 2 }, W, H, detector, mesher);
    const hopper = await preparePortrait({ portrait: DRIVER_PHOTO, face: 0 }, W, H, detector, mesher);
    expect(identityError(picked.mesh, hopper.mesh)).toBeLessThan(
      identityError(
        picked.mesh,
        (await preparePortrait({ portrait: PORTRAIT, face: 0 }, W, H, detector, mesher)).mesh,
      ),
    );
  });

  it('removeMark leaves the frame unmarked and says so in the metadata; no portrait is a param error', async () => {
    const meta = facePuppetEffect.containerMetadata!(
      resolveParams(facePuppetEffect.params, { portrait: PORTRAIT, removeMark: true }) as never,
    );
    expect(meta.synthetic).toBe('true');
    expect(meta.synthetic_mark).toBe('removed');
    expect(meta.comment).toMatch(/mark removed at the user’s request/);
    const proc = await facePuppetEffect.createProcessor(ctx);
    const driver = await imageFrame(DRIVER_PHOTO, { width: W, height: H });
    const unmarked = (await proc.process(
      driver,
      resolveParams(facePuppetEffect.params, { portrait: PORTRAIT, removeMark: true }) as never,
    )) as F32Frame;
    const marked = (await proc.process(
      driver,
      resolveParams(facePuppetEffect.params, { portrait: PORTRAIT }) as never,
    )) as F32Frame;
    expect(markMismatch(marked)).toBe(0);
    expect(markMismatch(unmarked)).toBeGreaterThan(0.3);
    await expect(proc.process(driver, resolveParams(facePuppetEffect.params, {}) as never)).rejects.toThrow(
      /needs a portrait: --param portrait=face.jpg/,
    );
  });

  it('a driving face lost longer than hold eases back to the portrait at rest, then follows again', async () => {
    const driver = await imageFrame(DRIVER_PHOTO, { width: W, height: H });
    const black = { ...driver, data: new Float32Array(driver.data.length).fill(0) };
    const p = resolveParams(facePuppetEffect.params, { portrait: PORTRAIT, hold: 2 }) as never;
    const rest = (await (await facePuppetEffect.createProcessor(ctx)).process(black, p)) as F32Frame;
    // The driver moved 24 px right after its reference frame: the portrait's face moves with it.
    const moved = { ...driver, data: new Float32Array(driver.data.length) };
    for (let y = 0; y < H; y++)
      moved.data.set(driver.data.subarray(y * W * 4, (y * W + W - 24) * 4), (y * W + 24) * 4);
    const maxDiff = (a: F32Frame, b: F32Frame) =>
      a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i]!)), 0);
    const proc = await facePuppetEffect.createProcessor(ctx);
    await proc.process(driver, p);
    const seen = (await proc.process(moved, p)) as F32Frame;
    expect(maxDiff(seen, rest)).toBeGreaterThan(0.1);
    let out = seen;
    for (let i = 0; i < 2; i++) out = (await proc.process(black, p)) as F32Frame;
    expect(maxDiff(out, seen), 'held for hold=2 frames').toBeLessThan(1e-3);
    for (let i = 0; i < 12; i++) out = (await proc.process(black, p)) as F32Frame;
    expect(maxDiff(out, rest), 'at rest 12 frames later').toBeLessThan(1e-3);
    const back = (await proc.process(moved, p)) as F32Frame;
    // Re-found by detection (a different crop than the followed one): close to the first time, far from rest.
    const meanDiff = (a: F32Frame, b: F32Frame) =>
      a.data.reduce((m, v, i) => m + Math.abs(v - b.data[i]!), 0) / a.data.length;
    expect(meanDiff(back, seen), 'follows again').toBeLessThan(meanDiff(seen, rest) / 4);
  });
});
