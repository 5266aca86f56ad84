/**
 * The fakes must fail where Premiere fails, or the panel tests prove nothing: these check the rules
 * themselves (and, at compile time, that the FakeOf typing rejects signature drift).
 */
import { describe, expect, it } from 'vitest';
import type { CompoundAction, TickTime, VideoTrack } from '@adobe/premierepro';
import type { FakeOf } from './fakes/fake-of.ts';
import { createFakePremiere, FakeTickTime } from './fakes/premierepro.ts';

const media = { durationSeconds: 4, frameRate: 25 };
const t = (s: number) => new FakeTickTime(s) as unknown as TickTime;

function rig() {
  const fake = createFakePremiere({
    lookup: async (p) => (p.endsWith('.mov') ? media : null),
    videoTracks: 2,
  });
  const item = fake.project.addMedia('/m/a.mov', media);
  fake.sequence.addClip(1, 'existing', item, { in: 0, out: 2, start: 1 });
  return { ...fake, item };
}

describe('premierepro fake keeps the documented rules', () => {
  it('create*Action outside lockedAccess throws; inside it works', () => {
    const { item, project } = rig();
    expect(() => item.createSetInOutPointsAction(t(0), t(1))).toThrow(/inside project\.lockedAccess/);
    project.lockedAccess(() => {
      expect(item.createSetInOutPointsAction(t(0), t(1))).toBeTruthy();
    });
  });

  it('a transaction callback that returns a Promise throws, and so does executeTransaction outside the lock', () => {
    const { project } = rig();
    expect(() => project.executeTransaction(() => {}, 'x')).toThrow(/inside project\.lockedAccess/);
    project.lockedAccess(() => {
      const asyncCallback = (async () => {}) as unknown as (c: CompoundAction) => void;
      expect(() => project.executeTransaction(asyncCallback, 'x')).toThrow(/must be synchronous/);
    });
    expect(() => project.lockedAccess((async () => {}) as unknown as () => void)).toThrow(
      /must be synchronous/,
    );
    expect(project.undoStack).toEqual([]);
  });

  it('actions apply together with the undo label, or not at all', () => {
    const { item, project, sequence, module } = rig();
    const editor = module.SequenceEditor.getEditor(sequence as never) as {
      createOverwriteItemAction: (...a: unknown[]) => unknown;
    };
    project.lockedAccess(() => {
      const ok = item.createSetInOutPointsAction(t(0.5), t(1.5));
      const place = editor.createOverwriteItemAction(item, t(10), 0, 1);
      expect(
        project.executeTransaction(
          (c) => (c.addAction(ok), c.addAction(place as object), undefined),
          'one step',
        ),
      ).toBe(true);
    });
    expect(project.undoStack).toEqual(['one step']);
    expect(sequence.videoTracks[0]!.items.map((i) => [i.inSeconds, i.outSeconds, i.startSeconds])).toEqual([
      [0.5, 1.5, 10],
    ]);

    project.lockedAccess(() => {
      const place = editor.createOverwriteItemAction(item, t(20), 0, 1);
      const bad = item.createSetInOutPointsAction(t(3), t(9)); // past the media's end: fails on apply
      expect(() =>
        project.executeTransaction((c) => void (c.addAction(place as object), c.addAction(bad)), 'bad'),
      ).toThrow();
    });
    expect(project.undoStack).toEqual(['one step']);
    expect(sequence.videoTracks[0]!.items).toHaveLength(1);
  });

  it('overwriting an occupied range records the clobbered clip; a track past the end is created (0-based)', () => {
    const { item, project, sequence, module } = rig();
    const editor = module.SequenceEditor.getEditor(sequence as never) as {
      createOverwriteItemAction: (...a: unknown[]) => unknown;
    };
    project.lockedAccess(() => {
      const onV2 = editor.createOverwriteItemAction(item, t(2), 1, 0);
      const newTrack = editor.createOverwriteItemAction(item, t(0), 2, 0);
      project.executeTransaction(
        (c) => void (c.addAction(onV2 as object), c.addAction(newTrack as object)),
        'x',
      );
    });
    expect(sequence.clobbered).toEqual([{ track: 1, name: 'existing', by: 'a.mov' }]);
    expect(sequence.videoTracks.map((v) => v.name)).toEqual(['V1', 'V2', 'V3']);
  });

  it('an insert pushes later clips right (every track without limitShift) and cuts a straddled clip', () => {
    const { item, project, sequence, module } = rig();
    const editor = module.SequenceEditor.getEditor(sequence as never) as {
      createInsertProjectItemAction: (...a: unknown[]) => unknown;
    };
    project.lockedAccess(() => {
      // At 0.5 s on V1 without limitShift: V2's "existing" (1-3 s) moves right by the item's 4 s.
      const ripple = editor.createInsertProjectItemAction(item, t(0.5), 0, 0, false);
      project.executeTransaction((c) => void c.addAction(ripple as object), 'ripple');
    });
    expect(sequence.shifted).toEqual([{ track: 1, name: 'existing', bySeconds: 4 }]);
    project.lockedAccess(() => {
      // Inside the moved clip (now 5-7 s) on its own track, limited to it: cut in two.
      const cut = editor.createInsertProjectItemAction(item, t(6), 1, 0, true);
      // A track index past the end creates the track; nothing else moves.
      const fresh = editor.createInsertProjectItemAction(item, t(0), 5, 0, true);
      project.executeTransaction((c) => void (c.addAction(cut as object), c.addAction(fresh as object)), 'x');
    });
    expect(sequence.split).toEqual([{ track: 1, name: 'existing' }]);
    expect(sequence.shifted).toHaveLength(1);
    expect(sequence.videoTracks).toHaveLength(6);
    expect(() => editor.createInsertProjectItemAction(item, t(0), 0, 0, true)).toThrow(/lockedAccess/);
  });

  it('importFiles resolves to a boolean only', async () => {
    const { project } = rig();
    expect(await project.importFiles(['/m/b.mov'])).toBe(true);
    expect(await project.importFiles(['/m/c.mov', '/m/missing.txt'])).toBe(false);
  });

  it('FakeOf rejects drift from the official signatures (compile-time)', () => {
    // @ts-expect-error VideoTrack.getTrackItems is synchronous in the official types; an async fake must not compile.
    const asyncWhereSync: FakeOf<VideoTrack, 'getTrackItems'> = { getTrackItems: async () => [] };
    // @ts-expect-error getIndex is an async getter; a synchronous fake must not compile.
    const syncWhereAsync: FakeOf<VideoTrack, 'getIndex'> = { getIndex: () => 0 };
    expect([asyncWhereSync, syncWhereAsync]).toHaveLength(2);
  });
});
