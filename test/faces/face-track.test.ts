/** The face-track analyzer on the real close-up: one track over every frame, its JSON records and 2D CSV. */
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { faceTrackEffect, faceTracksToCsv } from '../../core/src/effects/faces/face-track-descriptor.ts';
import type { FaceTrackParams } from '../../core/src/effects/faces/face-track-descriptor.ts';
import { FaceTracker } from '../../core/src/effects/faces/face-tracker.ts';
import type { FaceBox } from '../../core/src/effects/faces/face-detector.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { fixture } from '../support/paths.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

describe('face-track analyzer', () => {
  it('tracks the astronaut on every frame of the close-up with one id; CSV rows follow the face', async () => {
    const p = resolveParams(faceTrackEffect.params, {}) as FaceTrackParams;
    const info = { width: 288, height: 288, frameRate: { num: 24000, den: 1001 }, frameCount: 36 };
    const analyzer = await faceTrackEffect.createAnalyzer(ctx, p, info);
    let n = 0;
    for await (const frame of decodeFrames(fixture('closeup-2398.mp4'))) await analyzer.push(frame, n++);
    const { records } = await analyzer.finish();
    expect(records.map((r) => [r.kind, r.start, r.end, r.data.id])).toEqual([['face-track', 0, 35, 1]]);
    expect(records[0]!.data.detectedFrames).toBe(36);
    const csv = faceTracksToCsv(records, 288).trim().split('\n');
    expect(csv[0]).toBe('track,frame,center_x,center_y_up,width,height,held');
    expect(csv.length).toBe(37);
    // The clip pushes in on the face: the box grows from the first frame to the last.
    const width = (row: string) => Number(row.split(',')[4]);
    expect(width(csv[36]!)).toBeGreaterThan(width(csv[1]!));
    // Centres stay on the face (upper middle of the portrait): y up is above the frame's middle.
    for (const row of csv.slice(1)) expect(Number(row.split(',')[3])).toBeGreaterThan(144);
    // Landmarks on every detected frame: 6 keypoints inside their box, the eyes above the mouth.
    const { samples, landmarks } = records[0]!.data as { samples: number[][]; landmarks: number[][] };
    expect(landmarks.length).toBe(36);
    for (const [k, [frame, ...pts]] of landmarks.entries()) {
      const [, x, y, w, h] = samples[k]!;
      expect(frame).toBe(samples[k]![0]);
      expect(pts.length).toBe(12);
      for (let i = 0; i < 8; i += 2) {
        expect(pts[i]!).toBeGreaterThan(x! - w! * 0.2);
        expect(pts[i]!).toBeLessThan(x! + w! * 1.2);
        expect(pts[i + 1]!).toBeGreaterThan(y!);
        expect(pts[i + 1]!).toBeLessThan(y! + h!);
      }
      expect(pts[1]!).toBeLessThan(pts[7]!); // right eye above mouth
    }
  });

  it('landmarks=mesh gives FaceMesh 468 (x, y) points per detected frame, on the face', async () => {
    const p = resolveParams(faceTrackEffect.params, { landmarks: 'mesh' }) as FaceTrackParams;
    const info = { width: 288, height: 288, frameRate: { num: 24000, den: 1001 }, frameCount: 36 };
    const analyzer = await faceTrackEffect.createAnalyzer(ctx, p, info);
    let n = 0;
    for await (const frame of decodeFrames(fixture('closeup-2398.mp4'), { range: { start: 0, end: 2 } }))
      await analyzer.push(frame, n++);
    const { records } = await analyzer.finish();
    const { samples, landmarks } = records[0]!.data as { samples: number[][]; landmarks: number[][] };
    expect(landmarks.map((l) => l.length)).toEqual([937, 937, 937]);
    // The nose tip (landmark 1) lies inside the face box.
    const [, x, y, w, h] = samples[0]!;
    const [nx, ny] = [landmarks[0]![1 + 2]!, landmarks[0]![1 + 3]!];
    expect(nx).toBeGreaterThan(x!);
    expect(nx).toBeLessThan(x! + w!);
    expect(ny).toBeGreaterThan(y!);
    expect(ny).toBeLessThan(y! + h!);
  });
});

describe('face tracker association', () => {
  const face = (x: number, eyeShift: number): FaceBox => ({
    x,
    y: 100,
    w: 60,
    h: 60,
    score: 0.9,
    keypoints: Array.from({ length: 6 }, (_, k) => [x + 10 + k * 8 + eyeShift, 120 + k] as const),
  });

  it('when two boxes coincide, the landmarks decide which track each face continues', () => {
    const tracker = new FaceTracker({ holdFrames: 2 });
    // Two faces at the same place, told apart only by where their features sit (one turned).
    tracker.update([face(100, 0), face(103, 18)]);
    const next = tracker.update([face(101, 18), face(101, 0)]);
    const byShift = (f: FaceBox) => f.keypoints[0]![0] - f.x;
    const ids = Object.fromEntries(next.map((t) => [byShift(t.box).toFixed(0), t.id]));
    expect(ids).toEqual({ '10': 1, '28': 2 });
  });
});
