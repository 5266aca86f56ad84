/**
 * face-puppet gaze transfer. The driver: Grace Hopper's portrait (python-matplotlib-data, public domain) with
 * its irises moved left and right inside the eye openings by a cut-and-paste (gaze-driver.ts, not the
 * puppet's warp). The portrait: the astronaut's face (python3-skimage, public domain), cropped and enlarged
 * so its eyes are ~30 px wide. Both gazes are measured on the frames with the iris model (converted, checked
 * against TFJS in models/converters/tfjs/models.test.ts) in each eye's corner-normalised frame.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import type { F32Frame } from '../../core/src/effects/frame.ts';
import { FACE_MODEL_ID, FaceDetector } from '../../core/src/effects/faces/face-detector.ts';
import { FACEMESH_MODEL_ID, FaceMesher } from '../../core/src/effects/faces/face-mesh.ts';
import { EYES, IRIS_MODEL_ID, IrisLocator } from '../../core/src/effects/faces/iris.ts';
import { facePuppetEffect } from '../../core/src/effects/face-puppet/descriptor.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { imageFrame } from './helpers.ts';
import { DRIVER_PHOTO } from './puppet-driver.ts';
import { gazeFrame } from './gaze-driver.ts';
import { pearson } from './stats.ts';

const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';
const W = 384;
const H = 448;
const FRAMES = 16;

const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-gaze-'));
const ctx = createEffectContext({ providers: ['cpu'] });
let detector: FaceDetector;
let mesher: FaceMesher;
let iris: IrisLocator;
beforeAll(async () => {
  detector = new FaceDetector(await ctx.sessions.get(FACE_MODEL_ID), getManifest(FACE_MODEL_ID).input);
  mesher = new FaceMesher(await ctx.sessions.get(FACEMESH_MODEL_ID), getManifest(FACEMESH_MODEL_ID).input);
  iris = new IrisLocator(await ctx.sessions.get(IRIS_MODEL_ID), getManifest(IRIS_MODEL_ID).input);
});
afterAll(async () => {
  await ctx.sessions.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function meshOf(frame: F32Frame): Promise<Float32Array> {
  const faces = await detector.detect(frame, { minScore: 0.5 });
  expect(faces.length).toBeGreaterThan(0);
  const face = faces.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
  return (await mesher.forFace(frame, face)).points;
}

/** FaceMesh's lower lid points, in the order the iris model's first 9 contour points follow them. */
const LOWER_LID = {
  right: [33, 7, 163, 144, 145, 153, 154, 155, 133],
  left: [263, 249, 390, 373, 374, 380, 381, 382, 362],
};

describe('iris landmarks', () => {
  it('eye crops mirrored as the model needs: its lid contour lies on FaceMesh’s for both eyes, not when mirrored the other way', async () => {
    for (const file of [ASTRONAUT, DRIVER_PHOTO]) {
      const frame = await imageFrame(file);
      const mesh = await meshOf(frame);
      for (const flip of [false, true]) {
        const eyes = EYES.map((e) => ({ ...e, mirror: flip ? !e.mirror : e.mirror }));
        const found = await iris.irises(frame, mesh, eyes);
        eyes.forEach((eye, j) => {
          const [a, b] = eye.corners;
          const width = Math.hypot(mesh[b * 3]! - mesh[a * 3]!, mesh[b * 3 + 1]! - mesh[a * 3 + 1]!);
          const c = found[j]!.contour;
          const err =
            LOWER_LID[eye.name].reduce(
              (s, m, i) => s + Math.hypot(c[i * 2]! - mesh[m * 3]!, c[i * 2 + 1]! - mesh[m * 3 + 1]!),
              0,
            ) /
            9 /
            width;
          const what = `${path.basename(file)} ${eye.name} eye ${flip ? 'mirrored the other way' : 'as used'}`;
          if (flip) expect(err, what).toBeGreaterThan(0.35);
          else expect(err, what).toBeLessThan(0.2);
        });
      }
    }
  });
});

describe('face-puppet gaze transfer', () => {
  it('the portrait’s irises follow the driver’s (correlation), only inside the eye openings; gaze=0 keeps them', async () => {
    // The portrait: the astronaut's face square, enlarged (a real photo, only cropped and resized).
    const astronaut = await imageFrame(ASTRONAUT);
    const [face] = await detector.detect(astronaut, { minScore: 0.5 });
    const side = Math.round(face!.w * 2.2);
    const portrait = path.join(dir, 'astronaut-face.png');
    await sharp(ASTRONAUT)
      .removeAlpha()
      .extract({
        left: Math.max(0, Math.round(face!.x + face!.w / 2 - side / 2)),
        top: Math.max(0, Math.round(face!.y + face!.h / 2 - side / 2)),
        width: side,
        height: side,
      })
      .resize(H, H, { kernel: 'lanczos3' })
      .png()
      .toFile(portrait);

    // The driver: the iris moved up to 17% of the eye width left and right, then back.
    const photo = await imageFrame(DRIVER_PHOTO, { width: W, height: H });
    const photoMesh = await meshOf(photo);
    const photoIrises = await iris.irises(photo, photoMesh);
    const [a, b] = EYES[0]!.corners;
    const eyeW = Math.hypot(
      photoMesh[b * 3]! - photoMesh[a * 3]!,
      photoMesh[b * 3 + 1]! - photoMesh[a * 3 + 1]!,
    );
    const drivers = [...Array(FRAMES).keys()].map((t) =>
      gazeFrame(photo, photoMesh, photoIrises, 0.17 * eyeW * Math.sin((2 * Math.PI * t) / FRAMES), 0),
    );

    const render = async (gaze: number): Promise<F32Frame[]> => {
      const proc = await facePuppetEffect.createProcessor(ctx);
      const p = resolveParams(facePuppetEffect.params, { portrait, gaze }) as never;
      const out: F32Frame[] = [];
      for (const f of drivers) out.push((await proc.process(f, p)) as F32Frame);
      return out;
    };
    const outputs = await render(1);
    const still = await render(0);

    const gazeU = async (frames: F32Frame[]) => {
      const u: number[] = [];
      for (const f of frames) u.push((await iris.gaze(f, await meshOf(f)))!.u);
      return u;
    };
    const driverU = await gazeU(drivers);
    const outputU = await gazeU(outputs);
    const stillU = await gazeU(still);
    const range = (v: number[]) => Math.max(...v) - Math.min(...v);
    const r = pearson(driverU, outputU);
    const f = (v: number[]) => `${Math.min(...v).toFixed(3)}..${Math.max(...v).toFixed(3)}`;
    console.log(
      `face-puppet gaze (${FRAMES} frames): r=${r.toFixed(3)} (driver u ${f(driverU)}, output u ${f(outputU)}, ` +
        `gaze=0 output u ${f(stillU)}; u = iris centre along the eye-corner axis in eye widths)`,
    );
    expect(range(driverU)).toBeGreaterThan(0.15); // the made gaze is seen by the instrument
    expect(r).toBeGreaterThanOrEqual(0.9);
    expect(range(outputU)).toBeGreaterThan(0.5 * range(driverU));
    expect(range(stillU)).toBeLessThan(0.25 * range(outputU));

    // Gaze moves pixels inside the eye openings only: gaze=1 and gaze=0 differ nowhere else.
    for (let t = 0; t < FRAMES; t++) {
      const mesh = await meshOf(still[t]!);
      const boxes = EYES.map((eye) => {
        const xs = eye.rim.map((p) => mesh[p * 3]!);
        const ys = eye.rim.map((p) => mesh[p * 3 + 1]!);
        const m = (Math.max(...xs) - Math.min(...xs)) * 0.25;
        return [Math.min(...xs) - m, Math.min(...ys) - m, Math.max(...xs) + m, Math.max(...ys) + m];
      });
      let outside = 0;
      let inside = 0;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const o = (y * W + x) * 4;
          const d = Math.abs(outputs[t]!.data[o]! - still[t]!.data[o]!);
          if (d === 0) continue;
          if (boxes.some(([x0, y0, x1, y1]) => x >= x0! && x <= x1! && y >= y0! && y <= y1!)) inside++;
          else outside++;
        }
      expect(outside, `frame ${t}: pixels changed outside the eyes`).toBe(0);
      if (Math.abs(driverU[t]! - driverU[0]!) > 0.05) expect(inside, `frame ${t}`).toBeGreaterThan(20);
    }
  }, 300_000);
});
