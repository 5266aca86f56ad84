/** The face-track analyzer on the real close-up: one track over every frame, its JSON records and 2D CSV. */
import { afterAll, describe, expect, it } from 'vitest';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { resolveParams } from '../../core/src/effects/params.ts';
import { faceTrackEffect, faceTracksToCsv } from '../../core/src/effects/faces/face-track-descriptor.ts';
import type { FaceParams } from '../../core/src/effects/faces/face-params.ts';
import { decodeFrames } from '../../core/src/media/decode.ts';
import { fixture } from '../support/paths.ts';

const ctx = createEffectContext({ providers: ['cpu'] });
afterAll(() => ctx.sessions.dispose());

describe('face-track analyzer', () => {
  it('tracks the astronaut on every frame of the close-up with one id; CSV rows follow the face', async () => {
    const p = resolveParams(faceTrackEffect.params, {}) as FaceParams;
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
  });
});
