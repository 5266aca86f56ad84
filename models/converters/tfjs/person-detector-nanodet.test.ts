/**
 * `person-detector-nanodet` (Apache-2.0) through the product path: an image as a Frame → frameToTensor() with
 * the manifest's input spec (NCHW, BGR, NanoDet mean/std) → converted model → decodeNanoDetDetections(). Same
 * real footage and reference boxes as the CenterNet test; the conversion itself is compared with TFJS in
 * ops.test.ts and its sha256 is checked here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../../core/src/effects/frame.ts';
import { decodeFrames } from '../../../core/src/media/decode.ts';
import { sha256Bytes } from '../../../core/src/models/hash.ts';
import { decodeNanoDetDetections, iou, type PersonBox } from '../../../core/src/runtime/person-detections.ts';
import { frameToTensor } from '../../../core/src/runtime/tensor.ts';
import { imageFrame } from '../../../test/support/images.ts';
import { convertTfjsGraph } from './index.ts';
import {
  expectPeople,
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
  const src = tfjsSource('person-detector-nanodet');
  manifest = src.manifest;
  const bytes = await convertTfjsGraph(src.files, src.options);
  expect(sha256Bytes(bytes)).toBe(manifest.sha256);
  expect(bytes.length).toBe(manifest.bytes);
  session = await ort.InferenceSession.create(bytes);
});

async function detect(frame: Frame, minScore: number): Promise<PersonBox[]> {
  const packed = frameToTensor(frame, manifest.input);
  const out = await session.run({
    [manifest.input.name]: new ort.Tensor('float32', packed.data, packed.dims),
  });
  return decodeNanoDetDetections(out, {
    imageWidth: frame.width,
    imageHeight: frame.height,
    inputWidth: packed.width,
    inputHeight: packed.height,
    transform: packed.transform,
    minScore,
  });
}

describe('person-detector-nanodet on real footage', () => {
  it('finds the seven walking people in the vtest.avi wide shot', async () => {
    const found = await detect(await imageFrame(path.join(TESTDATA, 'vtest-20s.jpg')), 0.5);
    expectPeople(found, VTEST_20S_PEOPLE); // and nothing else: no cones, rocks or lamp posts
  });

  it('finds the six people in frame 40 of the half-size wide-street fixture', async () => {
    const clip = fileURLToPath(new URL('../../../test/fixtures/wide-street.mp4', import.meta.url));
    let found: PersonBox[] = [];
    for await (const frame of decodeFrames(clip, { range: { start: 40, end: 40 } }))
      found = await detect(frame, 0.5);
    expectPeople(found, WIDE_STREET_40_PEOPLE);
  });

  it('finds the player in messi5.jpg', async () => {
    const found = await detect(await imageFrame(path.join(TESTDATA, 'messi5.jpg')), 0.5);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(iou(found[0]!, refBox(MESSI_PLAYER))).toBeGreaterThan(0.6);
  });
});
