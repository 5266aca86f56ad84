import { describe, expect, it } from 'vitest';
import { decodeNanoDetDetections, decodePersonDetections } from './person-detections.ts';

/** A 1×G×G×C heatmap and wh map with a few hand-placed peaks. */
function synthetic(
  g: number,
  classes: number,
  peaks: { x: number; y: number; c: number; s: number; wh: number[] }[],
) {
  const keypoints = new Float32Array(g * g * classes);
  const wh = new Float32Array(g * g * 4);
  for (const p of peaks) {
    keypoints[(p.y * g + p.x) * classes + p.c] = p.s;
    wh.set(p.wh, (p.y * g + p.x) * 4);
  }
  return {
    keypoints: { data: keypoints, dims: [1, g, g, classes] },
    wh: { data: wh, dims: [1, g, g, 4] },
  };
}

describe('decodePersonDetections', () => {
  it('turns heatmap peaks into image-pixel boxes of the person class only', () => {
    const out = synthetic(8, 3, [
      { x: 2, y: 3, c: 0, s: 0.9, wh: [4, 8, 4, 8] }, // person centred at input (8, 12)
      { x: 6, y: 6, c: 1, s: 0.95, wh: [2, 2, 2, 2] }, // another class: ignored
      { x: 5, y: 1, c: 0, s: 0.1, wh: [2, 2, 2, 2] }, // below threshold
    ]);
    // 32×32 model input from a 64×128 image: x scales by 2, y by 4.
    const boxes = decodePersonDetections(out, {
      imageWidth: 64,
      imageHeight: 128,
      inputWidth: 32,
      inputHeight: 32,
    });
    expect(boxes).toHaveLength(1);
    expect(boxes[0]).toEqual({ x: 8, y: 16, w: 16, h: 64, score: expect.closeTo(0.9, 6) as number });
  });

  it('keeps only local maxima and suppresses overlapping boxes', () => {
    const out = synthetic(8, 1, [
      { x: 3, y: 3, c: 0, s: 0.8, wh: [4, 8, 4, 8] },
      { x: 4, y: 3, c: 0, s: 0.7, wh: [4, 8, 4, 8] }, // neighbour of a stronger cell: not a peak
      { x: 3, y: 5, c: 0, s: 0.6, wh: [4, 8, 4, 8] }, // a peak, but its box overlaps the first (IoU 1/3)
    ]);
    const boxes = decodePersonDetections(out, {
      imageWidth: 32,
      imageHeight: 32,
      inputWidth: 32,
      inputHeight: 32,
      iouThreshold: 0.3,
    });
    expect(boxes.map((b) => b.score)).toEqual([expect.closeTo(0.8, 6)]);
  });

  it('clips boxes to the image and rejects malformed outputs', () => {
    const out = synthetic(4, 1, [{ x: 0, y: 0, c: 0, s: 0.9, wh: [10, 10, 3, 3] }]);
    const [b] = decodePersonDetections(out, {
      imageWidth: 16,
      imageHeight: 16,
      inputWidth: 16,
      inputHeight: 16,
    });
    expect(b).toMatchObject({ x: 0, y: 0, w: 3, h: 3 });
    expect(() =>
      decodePersonDetections(
        { keypoints: out.keypoints, wh: { data: new Float32Array(8), dims: [1, 2, 2, 2] } },
        { imageWidth: 1, imageHeight: 1 },
      ),
    ).toThrow(/wh must be/);
  });
});

describe('decodePersonDetections with a tensor transform', () => {
  it('maps letterboxed tensor pixels back through the given transform', () => {
    const out = synthetic(4, 1, [{ x: 2, y: 2, c: 0, s: 0.9, wh: [2, 2, 2, 2] }]);
    // 16×16 tensor holding a 32×16 image letterboxed: scale 2, content starting at tensor y = 4.
    const [b] = decodePersonDetections(out, {
      imageWidth: 32,
      imageHeight: 16,
      inputWidth: 16,
      inputHeight: 16,
      transform: { scaleX: 2, scaleY: 2, offsetX: 0, offsetY: -8 },
    });
    expect(b).toMatchObject({ x: 12, y: 4, w: 8, h: 8 });
  });
});

describe('decodeNanoDetDetections', () => {
  it('decodes per-stride class scores and distance-bin logits into image boxes', () => {
    const input = 32; // grids: 4×4 (stride 8), 2×2 (16), 1×1 (32)
    const bins = 4;
    const outputs: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const s of [8, 16, 32]) {
      const cells = (input / s) ** 2;
      outputs[`cls_${s}`] = { data: new Float32Array(cells * 2), dims: [1, cells, 2] };
      outputs[`reg_${s}`] = {
        data: new Float32Array(cells * 4 * bins).fill(-20),
        dims: [1, cells, 4 * bins],
      };
    }
    // Stride 8, cell (x=1, y=2): centre (12, 20); sides certain at bins 1, 2, 1, 3 → distances 8, 16, 8, 24.
    const cell = 2 * 4 + 1;
    outputs.cls_8!.data[cell * 2] = 0.9;
    outputs.cls_8!.data[cell * 2 + 1] = 0.99; // another class: ignored
    [1, 2, 1, 3].forEach((bin, side) => (outputs.reg_8!.data[(cell * 4 + side) * bins + bin] = 20));
    const boxes = decodeNanoDetDetections(outputs, {
      imageWidth: 64,
      imageHeight: 32,
      inputWidth: 32,
      inputHeight: 32,
    });
    expect(boxes).toHaveLength(1);
    const b = boxes[0]!;
    // Tensor box x 4..20, y 4..44 (clipped to 32); the image is twice as wide.
    expect([b.x, b.y, b.w, b.h].map((v) => Math.round(v * 100) / 100)).toEqual([8, 4, 32, 28]);
    expect(() => decodeNanoDetDetections({}, { imageWidth: 1, imageHeight: 1 })).toThrow(/cls_8 and reg_8/);
  });
});
