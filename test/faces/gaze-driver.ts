/**
 * Gaze made on a real photo for the face-puppet gaze test: each eye's iris disc is cut out and pasted
 * `shift` pixels away inside the eye opening, the uncovered part filled with the eye's own sclera colour,
 * everything clipped to the opening. A cut-and-paste, deliberately unlike the puppet's ray warp
 * (face-puppet/gaze.ts), so the test does not measure the effect against its own method. The iris
 * positions the test compares are measured on the made frames with the iris model, not taken from `shift`.
 */
import { createFrame, type F32Frame } from '../../core/src/effects/frame.ts';
import { EYES, type IrisResult } from '../../core/src/effects/faces/iris.ts';
import { insidePolygon } from '../../core/src/effects/face-puppet/gaze.ts';
import { sampleRgb } from '../../core/src/effects/face-puppet/mesh-warp.ts';

const luma = (f: F32Frame, o: number) =>
  0.2126 * f.data[o]! + 0.7152 * f.data[o + 1]! + 0.0722 * f.data[o + 2]!;

/** The photo with both irises moved by (dx, dy) pixels. `irises` from IrisLocator on the photo, in EYES order. */
export function gazeFrame(
  photo: F32Frame,
  mesh: Float32Array,
  irises: readonly IrisResult[],
  dx: number,
  dy: number,
): F32Frame {
  const out = createFrame(photo.width, photo.height);
  out.data.set(photo.data);
  const rgb = new Float32Array(3);
  EYES.forEach((eye, j) => {
    const rim = new Float32Array(eye.rim.flatMap((p) => [mesh[p * 3]!, mesh[p * 3 + 1]!]));
    const { centre, radius } = irises[j]!;
    const r = radius * 1.15;
    const xs = rim.filter((_, i) => i % 2 === 0);
    const ys = rim.filter((_, i) => i % 2 === 1);
    const x0 = Math.floor(Math.min(...xs));
    const x1 = Math.ceil(Math.max(...xs));
    const y0 = Math.floor(Math.min(...ys));
    const y1 = Math.ceil(Math.max(...ys));
    // Sclera colour: the brightest third of the opening's pixels outside the iris.
    const bright: number[] = [];
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++)
        if (insidePolygon(rim, x, y) && Math.hypot(x - centre[0], y - centre[1]) > r)
          bright.push(y * photo.stride + x * 4);
    bright.sort((a, b) => luma(photo, b) - luma(photo, a));
    const top = bright.slice(0, Math.max(1, Math.floor(bright.length / 3)));
    const sclera = [0, 1, 2].map((c) => top.reduce((s, o) => s + photo.data[o + c]!, 0) / top.length);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (!insidePolygon(rim, x, y)) continue;
        const o = y * out.stride + x * 4;
        const inNew = Math.hypot(x - dx - centre[0], y - dy - centre[1]);
        const inOld = Math.hypot(x - centre[0], y - centre[1]);
        if (inNew <= r + 0.5) {
          // The moved disc, its last half pixel blended with what lies under it.
          sampleRgb(photo, x - dx, y - dy, rgb);
          const a = Math.min(1, r + 0.5 - inNew);
          const under = inOld <= r ? sclera : [photo.data[o]!, photo.data[o + 1]!, photo.data[o + 2]!];
          for (let c = 0; c < 3; c++) out.data[o + c] = rgb[c]! * a + under[c]! * (1 - a);
        } else if (inOld <= r) {
          for (let c = 0; c < 3; c++) out.data[o + c] = sclera[c]!;
        }
      }
    }
  });
  return out;
}
