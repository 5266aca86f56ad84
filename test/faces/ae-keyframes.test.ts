/**
 * Face tracks to After Effects keyframes, against the in-repo AE fake (1-based keys, undo groups, parenting
 * and value rules): real face-track records from the close-up clip become Position/Scale keys on a null
 * parented to the footage layer, at comp times that honour the layer's start, stretch and in point.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import {
  faceTrackEffect,
  type FaceTrackParams,
  type TrackSample,
} from '../../core/src/effects/faces/face-track-descriptor.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import {
  addFaceTrackKeyframes,
  FACE_KEYFRAMES_UNDO,
  type FaceTrackData,
} from '../../plugin-aftereffects/src/face-keyframes.ts';
import { createFakeAfterEffects } from '../panels/fakes/aftereffects.ts';
import { realLookup } from '../panels/helpers.ts';
import { fixture } from '../support/paths.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());
const clip = fixture('closeup-2398.mp4');
const FPS = 24000 / 1001;

async function realTracks(): Promise<FaceTrackData[]> {
  const p = resolveParams(faceTrackEffect.params, {}) as FaceTrackParams;
  const analyzer = await faceTrackEffect.createAnalyzer(ctx, p, {
    width: 288,
    height: 288,
    frameRate: { num: 24000, den: 1001 },
    frameCount: 36,
  });
  let n = 0;
  for await (const f of decodeFrames(clip, { range: { start: 0, end: 11 } })) await analyzer.push(f, n++);
  const { records } = await analyzer.finish();
  return records.map((r) => r.data as unknown as FaceTrackData);
}

describe('After Effects face-track keyframes', () => {
  it('keys a null per track, parented to the footage, at comp times, in one undo group', async () => {
    const tracks = await realTracks();
    expect(tracks.map((t) => t.samples.length)).toEqual([12]);
    const info = (await realLookup(clip))!;
    const ae = createFakeAfterEffects({ [clip]: info });
    const footage = ae.project.addFootage(clip, info);
    // Starts at comp 1 s, half speed (stretch 200), trimmed so media frames 0-5 fall before the in point.
    const layer = ae.comp.addFootageLayer(footage, { inPoint: 1.5, outPoint: 4, startTime: 1 });
    layer.stretch = 200;
    const carriers = addFaceTrackKeyframes(ae.app, ae.comp.layers, layer, tracks, FPS);
    expect(carriers.map((c) => [c.name, c.index, c.parent])).toEqual([['Face 1', 1, layer]]);
    const transform = ae.comp.stack[0]!.property('ADBE Transform Group');
    const samples = tracks[0]!.samples.filter(([f]) => f >= 6);
    expect(transform.position.numKeys).toBe(samples.length);
    samples.forEach(([frame, x, y, w, h]: TrackSample, i) => {
      expect(transform.position.keyTime(i + 1)).toBeCloseTo(1 + (frame / FPS) * 2, 9);
      expect(transform.position.keyValue(i + 1)).toEqual([x + w / 2, y + h / 2]);
    });
    // The clip pushes in: the face grows, so Scale rises above 100% (relative to the first tracked frame).
    const scales = transform.scale.keys.map((k) => k.value[0]!);
    expect(scales.at(-1)!).toBeGreaterThan(100);
    expect(ae.app.undoGroups).toEqual([FACE_KEYFRAMES_UNDO]);
    expect(ae.app.editsOutsideUndoGroup).toEqual([]);
  }, 120_000);

  it('keys a chosen layer; refuses the footage itself or several tracks for one layer, changing nothing', async () => {
    const tracks = await realTracks();
    const info = (await realLookup(clip))!;
    const ae = createFakeAfterEffects({ [clip]: info });
    const footage = ae.project.addFootage(clip, info);
    const layer = ae.comp.addFootageLayer(footage, { inPoint: 0, outPoint: 1.5, startTime: 0 });
    const graphic = ae.comp.addFootageLayer(footage, { inPoint: 0, outPoint: 1.5, startTime: 0 });
    expect(() =>
      addFaceTrackKeyframes(ae.app, ae.comp.layers, layer, tracks, FPS, { kind: 'layer', layer }),
    ).toThrow(/cannot follow its own/);
    const two = [tracks[0]!, { ...tracks[0]!, id: 2 }];
    expect(() =>
      addFaceTrackKeyframes(ae.app, ae.comp.layers, layer, two, FPS, { kind: 'layer', layer: graphic }),
    ).toThrow(/2 face tracks/);
    expect(ae.app.undoGroups).toEqual([]);
    const [carrier] = addFaceTrackKeyframes(ae.app, ae.comp.layers, layer, tracks, FPS, {
      kind: 'layer',
      layer: graphic,
    });
    expect(carrier).toBe(graphic);
    expect(graphic.parent).toBe(layer);
    expect(graphic.property('ADBE Transform Group').position.numKeys).toBe(12);
    // The fake holds AE's rules: a value of the wrong shape or a parent cycle throws.
    const position = graphic.property('ADBE Transform Group').position;
    expect(() => position.setValuesAtTimes([0], [[1]])).toThrow(/2 or 3 numbers/);
    expect(() => (layer.parent = graphic)).toThrow(/own ancestor/);
  }, 120_000);
});
