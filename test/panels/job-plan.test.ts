/** Frame maths of a clip's job: used range, handles clamped to the media, render names, placement offsets. */
import { describe, expect, it } from 'vitest';
import type { SelectedClip } from '../../core/src/panel/host-adapter.ts';
import { outputPathFor, planClipJob, unsupportedReason, usedFrames } from '../../core/src/panel/job-plan.ts';
import { TrackOccupancy } from '../../core/src/panel/track-occupancy.ts';

const clip = (over: Partial<SelectedClip> = {}): SelectedClip => ({
  id: 'c1',
  name: 'shot',
  mediaPath: '/media/shot.mov',
  sourceInSeconds: 2,
  sourceOutSeconds: 4,
  timelineStartSeconds: 10,
  trackIndex: 0,
  speed: 1,
  reversed: false,
  offline: false,
  frameRate: 24000 / 1001,
  mediaDurationSeconds: 5,
  ...over,
});
const now = new Date('2026-11-24T09:08:07Z');

describe('job plan', () => {
  it('23.976 fps: in/out on frame boundaries give exact frames, handles clamp at the media end', () => {
    const fps = 24000 / 1001;
    // Times as a host reports them: frame n at n/fps, rounded to the millisecond.
    const c = clip({
      sourceInSeconds: Math.round((48 / fps) * 1000) / 1000,
      sourceOutSeconds: Math.round((96 / fps) * 1000) / 1000,
    });
    expect(usedFrames(c, fps)).toEqual({ first: 48, last: 95 });
    // Frame 12 starts at 0.5005 s; a host that rounds it down to 0.500 s still means frame 12.
    expect(usedFrames(clip({ sourceInSeconds: 0.5, sourceOutSeconds: 1.001 }), fps)).toEqual({
      first: 12,
      last: 23,
    });
    const plan = planClipJob(c, 'matte', { handleFrames: 24, now });
    // 5 s of media = 119 frames (0-118): the trailing handle stops at 118.
    expect([plan.startFrame, plan.endFrame, plan.leadFrames]).toEqual([24, 118, 24]);
    expect(plan.place.resultInSeconds).toBeCloseTo(24 / fps, 9);
    expect(plan.place.durationSeconds).toBeCloseTo(48 / fps, 9);
    expect(plan.output).toBe('/media/shot.mlxv-matte-24-118-20261124-090807.mov');
  });

  it('a clip at the start of its media has no leading handle', () => {
    const plan = planClipJob(clip({ sourceInSeconds: 0, sourceOutSeconds: 1, frameRate: 25 }), 'identity', {
      now,
    });
    expect([plan.startFrame, plan.endFrame, plan.leadFrames]).toEqual([0, 36, 0]);
  });

  it('Windows paths keep their folder and separator', () => {
    expect(outputPathFor('C:\\Footage\\day 1\\A001.mxf', 'upscale', 0, 9, now)).toBe(
      'C:\\Footage\\day 1\\A001.mlxv-upscale-0-9-20261124-090807.mov',
    );
  });

  it('unsupported clips say why and what to do', () => {
    expect(unsupportedReason(clip())).toBeNull();
    expect(unsupportedReason(clip({ offline: true }))).toMatch(/offline: relink/);
    expect(unsupportedReason(clip({ mediaPath: '' }))).toMatch(/not a media file/);
    expect(unsupportedReason(clip({ reversed: true }))).toMatch(/reversed/);
    expect(unsupportedReason(clip({ speed: 0.5 }))).toMatch(/50 % speed/);
    expect(unsupportedReason(clip({ frameRate: undefined }))).toMatch(/no frame rate/);
  });
});

describe('track occupancy', () => {
  it('uses the track above when free, else the first new track where the range is free; touching is not overlapping', () => {
    const occ = new TrackOccupancy([[[0, 10]], [[10, 12]]]);
    expect(occ.claimAbove(0, 5, 10)).toBe(1); // V2 busy only from 10: free (touching)
    expect(occ.claimAbove(0, 9, 11)).toBe(2); // overlaps V2's clip: new track
    expect(occ.claimAbove(0, 11, 13)).toBe(2); // V2 busy; new track 2 holds 9-11, which only touches 11-13
    expect(occ.claimAbove(0, 9.5, 10.5)).toBe(3); // V2 and new track 2 both overlap: a second new track
    expect([occ.isNew(1), occ.isNew(2), occ.isNew(3)]).toEqual([false, true, true]);
  });
});
