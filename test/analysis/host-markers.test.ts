/**
 * Shot markers in the editors. Premiere: through the panel code (plugin-premiere/src/shot-markers.ts) against the premierepro
 * fake, which enforces the documented rules (async Markers.getMarkers, actions only inside lockedAccess,
 * TickTimes, one synchronous transaction). The shots are the real boundaries of the cut clip (street |
 * close-up | street at 10 fps: shots start at 0, 4.8 and 8.4 s). After Effects: layer markers through
 * plugin-aftereffects/src/layer-markers.ts against the AE fake (one undo group, comp times, MarkerValue).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { premierepro } from '@adobe/premierepro';
import { beforeAll, describe, expect, it } from 'vitest';
import { shotMarkers } from '../../core/src/analysis/markers/index.ts';
import {
  markSelectedClips,
  SHOT_MARKERS_UNDO,
  type MediaShots,
} from '../../plugin-premiere/src/shot-markers.ts';
import { addLayerShotMarkers, LAYER_MARKERS_UNDO } from '../../plugin-aftereffects/src/layer-markers.ts';
import { createFakeAfterEffects } from '../panels/fakes/aftereffects.ts';
import { createFakePremiere, FakeTickTime } from '../panels/fakes/premierepro.ts';
import { realLookup } from '../panels/helpers.ts';
import { makeClips, shotSource } from './clips.ts';

let clip: string;
let shots: MediaShots;

beforeAll(async () => {
  clip = makeClips(mkdtempSync(join(tmpdir(), 'mlxv-ppro-markers-'))).cut;
  const source = await shotSource(clip);
  shots = { markers: shotMarkers(source), frameRate: 10 };
}, 120_000);

/** To a tenth of a second (one frame here): the last marker is trimmed at the media's float duration. */
const tenth = (s: number) => Math.round(s * 10) / 10;

async function rig(range: { in: number; out: number; start: number }) {
  const fake = createFakePremiere({ lookup: realLookup });
  const item = fake.project.addMedia(clip, (await realLookup(clip))!);
  const placed = fake.sequence.addClip(0, 'cut', item, range);
  fake.sequence.selection = [placed];
  const analysed: string[] = [];
  const analyse = async (path: string) => {
    analysed.push(path);
    return shots;
  };
  return { fake, item, analyse, analysed, ppro: fake.module as unknown as premierepro };
}

describe('Premiere shot markers', () => {
  it('puts one comment marker per shot on the clip, at the shot frames, in one undo step', async () => {
    const r = await rig({ in: 0, out: 12.2, start: 2 });
    expect(await markSelectedClips(r.ppro, r.analyse, 'clip')).toBe(3);
    expect(r.analysed).toEqual([clip]);
    const list = r.fake.markersOf(r.item)!.getMarkers();
    expect(
      list.map((m) => [m.getName(), m.getStart().seconds, tenth(m.getDuration().seconds), m.getType()]),
    ).toEqual([
      ['Shot 1 · wide', 0, 4.8, 'Comment'],
      ['Shot 2 · wide', 4.8, 3.6, 'Comment'],
      ['Shot 3 · wide', 8.4, 3.8, 'Comment'],
    ]);
    expect(list[1]!.getComments()).toBe(shots.markers[1]!.comment);
    expect(r.fake.project.undoStack).toEqual([SHOT_MARKERS_UNDO]);
  });

  it('puts sequence markers at timeline time, only for shots inside the used range', async () => {
    // The clip uses source 3.0-10.0 s and sits at 5 s: shot 2 (4.8 s) lands at 6.8 s, shot 3 (8.4 s) at
    // 10.4 s, trimmed to the clip's out point; shot 1 starts before the in point.
    const r = await rig({ in: 3, out: 10, start: 5 });
    expect(await markSelectedClips(r.ppro, r.analyse, 'sequence')).toBe(2);
    const list = r.fake.markersOf(r.fake.sequence)!.getMarkers();
    expect(list.map((m) => m.getName())).toEqual(['Shot 2 · wide', 'Shot 3 · wide']);
    expect(list[0]!.getStart().seconds).toBeCloseTo(6.8, 9);
    expect(list[1]!.getStart().seconds).toBeCloseTo(10.4, 9);
    expect(list[1]!.getDuration().seconds).toBeCloseTo(1.6, 9);
    expect(r.fake.markersOf(r.item)).toBeUndefined();
  });

  it('the fake refuses what Premiere refuses', async () => {
    const r = await rig({ in: 0, out: 12.2, start: 0 });
    const markers = await r.fake.module.Markers.getMarkers(r.item as never);
    const fm = r.fake.markersOf(r.item)!;
    expect(markers).toBe(fm);
    // Outside lockedAccess (enforced since 26.3).
    expect(() => fm.createAddMarkerAction('x', 'Comment', new FakeTickTime(1) as never)).toThrow(
      /lockedAccess/,
    );
    r.fake.project.lockedAccess(() => {
      // Seconds instead of a TickTime, an unknown type.
      expect(() => fm.createAddMarkerAction('x', 'Comment', 1 as never)).toThrow(/TickTime/);
      expect(() => fm.createAddMarkerAction('x', 'Cue', new FakeTickTime(1) as never)).toThrow(/marker type/);
      // Past the end of the media: refused when the transaction applies, and nothing stays.
      const late = fm.createAddMarkerAction('late', 'Comment', new FakeTickTime(99) as never);
      expect(() => r.fake.project.executeTransaction((c) => void c.addAction(late as never))).toThrow(
        /outside/,
      );
    });
    expect(fm.getMarkers()).toEqual([]);
    await expect(r.fake.module.Markers.getMarkers({} as never)).rejects.toThrow(
      /Sequence or a ClipProjectItem/,
    );
  });
});

describe('After Effects layer markers', () => {
  it('adds one layer marker per shot at comp time, in one undo group, honouring start time and stretch', async () => {
    const info = (await realLookup(clip))!;
    const ae = createFakeAfterEffects({ [clip]: info });
    const footage = ae.project.addFootage(clip, info);
    // Layer starts at comp 2 s, stretched 200% (half speed), trimmed to media 1.0-12.2 s: shot 1 (media 0 s)
    // is before the in point; shot 2 (4.8 s) lands at 2 + 9.6 = 11.6 s; shot 3 (8.4 s) at 18.8 s.
    const layer = ae.comp.addFootageLayer(footage, { inPoint: 4, outPoint: 26.4, startTime: 2 });
    layer.stretch = 200;
    expect(addLayerShotMarkers(ae.module, [{ layer, shots }])).toBe(2);
    const marker = layer.property('Marker');
    expect(marker.numKeys).toBe(2);
    expect(marker.keyTime(1)).toBeCloseTo(11.6, 9);
    expect(marker.keyTime(2)).toBeCloseTo(18.8, 9);
    expect(marker.keyValue(1).comment).toMatch(/^Shot 2 · wide: /);
    expect(marker.keyValue(1).duration).toBeCloseTo(7.2, 9);
    expect(ae.app.undoGroups).toEqual([LAYER_MARKERS_UNDO]);
    expect(ae.app.editsOutsideUndoGroup).toEqual([]);
  });
});
