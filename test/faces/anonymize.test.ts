/**
 * face-anonymize must-shows, checked with OpenCV's Haar cascades (an independent detector): faces it finds
 * in the input are gone from the output; pixels outside the padded boxes are unchanged (PSNR >= 50 dB there);
 * on the close-up clip, every frame's tracked face is covered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import {
  faceAnonymizeEffect,
  type AnonymizeParams,
} from '../../core/src/effects/faces/anonymize-descriptor.ts';
import { FaceDetector, FACE_MODEL_ID, faceIou } from '../../core/src/effects/faces/face-detector.ts';
import { paddedRect, type Rect } from '../../core/src/effects/faces/obscure.ts';
import { FaceTracker } from '../../core/src/effects/faces/face-tracker.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import type { Frame } from '../../core/src/effects/frame.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { fixture } from '../support/paths.ts';
import { asBox, haarFaces, imageFrame, labelledImages, type HaarFace } from './helpers.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());
const params = (p: Record<string, unknown> = {}) =>
  resolveParams(faceAnonymizeEffect.params, p) as AnonymizeParams;

const inRect = (r: Rect, x: number, y: number) => x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1;

/** PSNR over the pixels where `counts` holds (RGB, values in 0..1); Infinity when identical. */
function psnrWhere(a: Frame, b: Frame, counts: (x: number, y: number) => boolean): number {
  let se = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++)
    for (let x = 0; x < a.width; x++) {
      if (!counts(x, y)) continue;
      for (let c = 0; c < 3; c++) {
        const d = Number(a.data[y * a.stride + x * 4 + c]) - Number(b.data[y * b.stride + x * 4 + c]);
        se += d * d;
        n++;
      }
    }
  return se === 0 ? Infinity : 10 * Math.log10(n / se);
}

describe('face-anonymize against OpenCV Haar cascades', () => {
  const people = labelledImages().filter((i) => i.faces.length > 0);

  for (const method of ['blur', 'pixelate', 'box'] as const) {
    it(`${method}: Haar finds the labelled faces in the input and none of them in the output; outside the boxes is unchanged`, async () => {
      const p = params({ method });
      const detector = new FaceDetector(
        await ctx.sessions.get(FACE_MODEL_ID),
        getManifest(FACE_MODEL_ID).input,
      );
      let inputFaces = 0;
      for (const img of people) {
        const frame = await imageFrame(img.file);
        // Haar also fires on the crowd behind Messi (in the input as well): only boxes on a hand-labelled
        // face count.
        const onLabelled = (found: readonly HaarFace[]) =>
          found.filter(([x, y, w, h]) => img.faces.some((l) => faceIou({ x, y, w, h }, asBox(l)) >= 0.3));
        const [before] = haarFaces([frame]);
        inputFaces += onLabelled(before!).length > 0 ? 1 : 0;
        const proc = await faceAnonymizeEffect.createProcessor(ctx);
        const out = await proc.process(frame, p);
        const [after] = haarFaces([out]);
        expect(onLabelled(after!), `${img.file} after ${method}`).toEqual([]);
        // The padded boxes the filter covered: the same detector and settings, one frame (a new track).
        const rects = (await detector.detect(frame, { minScore: p.minScore }))
          .map((f) => paddedRect(f, p.margin, frame.width, frame.height))
          .filter((r): r is Rect => r !== null);
        expect(psnrWhere(frame, out, (x, y) => !rects.some((r) => inRect(r, x, y)))).toBeGreaterThanOrEqual(
          50,
        );
        await proc.dispose?.();
      }
      expect(inputFaces).toBe(people.length);
    });
  }

  it('on the close-up clip no frame has its tracked face unmasked, and Haar finds no face in any output frame', async () => {
    const p = params();
    const proc = await faceAnonymizeEffect.createProcessor(ctx);
    const detector = new FaceDetector(
      await ctx.sessions.get(FACE_MODEL_ID),
      getManifest(FACE_MODEL_ID).input,
    );
    const tracker = new FaceTracker({ holdFrames: p.hold });
    const inputs: Frame[] = [];
    const outputs: Frame[] = [];
    let unmasked = 0;
    for await (const frame of decodeFrames(fixture('closeup-2398.mp4'))) {
      const out = await proc.process(frame, p);
      inputs.push(frame);
      outputs.push(out);
      // Independently of the filter's own boxes: a tracked face left as it was would give a high PSNR
      // inside its (unpadded) box.
      for (const face of tracker.update(await detector.detect(frame, { minScore: p.minScore }))) {
        const r = paddedRect(face.box, 0, frame.width, frame.height)!;
        if (psnrWhere(frame, out, (x, y) => inRect(r, x, y)) > 30) unmasked++;
      }
    }
    const frames = inputs.length;
    const haarIn = haarFaces(inputs).filter((f) => f.length > 0).length;
    const haarOut = haarFaces(outputs).filter((f) => f.length > 0).length;
    console.log(
      `closeup-2398: ${frames} frames, Haar finds the face in ${haarIn} input and ${haarOut} output frames; tracked faces unmasked ${unmasked}`,
    );
    expect(frames).toBe(36);
    expect(haarIn).toBeGreaterThanOrEqual(30);
    expect(haarOut).toBe(0);
    expect(unmasked).toBe(0);
  });

  it('keep=1 leaves the interviewee (track 1, as face-track numbers it) untouched; another id does not', async () => {
    const frames: Frame[] = [];
    for await (const f of decodeFrames(fixture('closeup-2398.mp4'), { range: { start: 0, end: 2 } }))
      frames.push(f);
    for (const [keep, untouched] of [
      ['1', true],
      ['2', false],
    ] as const) {
      const proc = await faceAnonymizeEffect.createProcessor(ctx);
      for (const frame of frames) {
        const out = await proc.process(frame, params({ keep }));
        expect(psnrWhere(frame, out, () => true) === Infinity, `keep=${keep}`).toBe(untouched);
      }
    }
  });
});
