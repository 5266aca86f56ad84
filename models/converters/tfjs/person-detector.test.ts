/**
 * The converted person detector plus decodePersonDetections() on real footage: the OpenCV vtest.avi wide shot
 * (small people walking, 768×576) and messi5.jpg. Expected boxes were drawn by eye on the frames; a
 * detection matches one when IoU ≥ 0.4 (loose: hand-drawn boxes on 20–40 px wide people).
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePersonDetections, iou, type PersonBox } from '../../../core/src/runtime/person-detections.ts';
import { convertTfjsGraph } from './index.ts';
import { imageTensor, TESTDATA, tfjsSource } from './test-support.ts';

let session: ort.InferenceSession;

beforeAll(async () => {
  const { files, options } = tfjsSource('person-detector');
  session = await ort.InferenceSession.create(await convertTfjsGraph(files, options));
});

async function detect(file: string, minScore: number): Promise<PersonBox[]> {
  const { width, height } = await sharp(file).metadata();
  const x = await imageTensor(file, 512, 512, { scale: 255 });
  const out = await session.run({ 'tower_0/images': new ort.Tensor('float32', x, [1, 512, 512, 3]) });
  return decodePersonDetections(
    { keypoints: out.keypoints!, wh: out.wh! },
    { imageWidth: width!, imageHeight: height!, minScore },
  );
}

const box = (x: number, y: number, w: number, h: number): PersonBox => ({ x, y, w, h, score: 1 });

describe('person-detector on real footage', () => {
  it('finds the seven small walking people in the vtest.avi wide shot', async () => {
    const people = [
      box(80, 152, 28, 66),
      box(220, 190, 28, 76),
      box(486, 144, 30, 78),
      box(614, 260, 36, 108),
      box(702, 252, 40, 104),
      box(676, 96, 24, 60),
      box(701, 104, 21, 50),
    ];
    const found = await detect(path.join(TESTDATA, 'vtest-20s.jpg'), 0.45);
    for (const p of people) {
      const best = Math.max(0, ...found.map((d) => iou(d, p)));
      expect(best, `person at ${p.x},${p.y}`).toBeGreaterThanOrEqual(0.4);
    }
    // Nothing else above the threshold: no box on the lawn, the lamp post or the parked cars.
    expect(found.length).toBe(people.length);
    for (const d of found) expect(d.h).toBeGreaterThan(d.w); // upright people
  });

  it('finds the player in messi5.jpg', async () => {
    const found = await detect(path.join(TESTDATA, 'messi5.jpg'), 0.45);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(iou(found[0]!, box(70, 60, 390, 280))).toBeGreaterThan(0.6);
  });
});
