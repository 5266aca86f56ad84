/**
 * The converted person detector plus decodePersonDetections() on real footage: the OpenCV vtest.avi wide shot
 * (small people walking, 768×576), MEDIA's half-size clip of it decoded through the product path
 * (decodeFrames → frameToTensor → session → decoder), and messi5.jpg. Reference boxes: every person in the
 * frame, boxed by looking at the annotated frame (the detector's own boxes were checked against it); a
 * detection matches when IoU ≥ 0.4, loose because the people are 12–40 px wide.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { decodeFrames } from '../../../core/src/media/decode.ts';
import { frameToTensor } from '../../../core/src/runtime/tensor.ts';
import { decodePersonDetections, iou, type PersonBox } from '../../../core/src/runtime/person-detections.ts';
import { convertTfjsGraph } from './index.ts';
import {
  expectPeople,
  imageTensor,
  MESSI_PLAYER,
  refBox,
  TESTDATA,
  tfjsSource,
  VTEST_20S_PEOPLE,
  WIDE_STREET_40_PEOPLE,
} from './test-support.ts';

let session: ort.InferenceSession;
let manifest: ReturnType<typeof tfjsSource>['manifest'];

beforeAll(async () => {
  const src = tfjsSource('person-detector');
  const { files, options } = src;
  manifest = src.manifest;
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

describe('person-detector on real footage', () => {
  it('finds the seven small walking people in the vtest.avi wide shot', async () => {
    const found = await detect(path.join(TESTDATA, 'vtest-20s.jpg'), 0.45);
    // Nothing else above the threshold: no box on the lawn, the lamp post or the parked cars.
    expectPeople(found, VTEST_20S_PEOPLE);
    for (const d of found) expect(d.h).toBeGreaterThan(d.w); // upright people
  });

  it('finds the player in messi5.jpg', async () => {
    const found = await detect(path.join(TESTDATA, 'messi5.jpg'), 0.45);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(iou(found[0]!, refBox(MESSI_PLAYER))).toBeGreaterThan(0.6);
  });

  it('finds all six people in frame 40 of the wide-street fixture through decodeFrames and frameToTensor', async () => {
    const clip = fileURLToPath(new URL('../../../test/fixtures/wide-street.mp4', import.meta.url));
    let found: PersonBox[] = [];
    for await (const frame of decodeFrames(clip, { range: { start: 40, end: 40 } })) {
      const packed = frameToTensor(frame, manifest.input);
      const out = await session.run({
        [manifest.input.name]: new ort.Tensor('float32', packed.data, packed.dims),
      });
      found = decodePersonDetections(
        { keypoints: out.keypoints!, wh: out.wh! },
        { imageWidth: frame.width, imageHeight: frame.height, transform: packed.transform, minScore: 0.45 },
      );
    }
    expectPeople(found, WIDE_STREET_40_PEOPLE);
  });
});
