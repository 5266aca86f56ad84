/**
 * The real panel controller + the real PremiereAdapter over the rule-keeping premierepro fake, against a
 * real daemon on loopback running real jobs on a real clip: selection → jobs (used range + handles) →
 * import into the render bin → placed above the original in one undo step without clobbering; and the
 * failure paths (daemon down, pairing, offline/unsupported clips, job error, cancel).
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../core/src/media/probe.ts';
import { RENDER_FOLDER_NAME } from '../../core/src/panel/host-adapter.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import { FakeClipProjectItem, FakeFolderItem } from './fakes/premierepro.ts';
import { mediaFolder, premiereRig, realLookup, type MediaFolder } from './helpers.ts';

let t: TestDaemon;
let media: MediaFolder;
let clipPath: string;
let token: string;

beforeAll(async () => {
  t = await startTestDaemon();
  media = mediaFolder();
  // wide-street.mp4: 384x288, 10 fps, 48 frames.
  clipPath = media.add('wide-street.mp4', 'street.mp4');
  const native = await t.connect();
  const { code } = await native.createPairCode();
  const rig = premiereRig(t.daemon.url);
  await rig.controller.pair(code);
  expect(rig.controller.state.connection).toBe('connected');
  token = rig.tokens.value!;
  rig.controller.dispose();
});
afterAll(async () => {
  await t.stop();
  media.remove();
});

async function connectedRig(handleFrames = 3) {
  const rig = premiereRig(t.daemon.url, { token, handleFrames });
  await rig.controller.connect();
  expect(rig.controller.state.connection).toBe('connected');
  rig.controller.selectEffect('identity');
  return rig;
}

async function frameCount(path: string): Promise<number> {
  return (await probeMedia(path)).frameCount;
}

describe('Premiere panel against a real daemon', () => {
  it('renders each selected clip (range + handles) and places it above, one undo step, nothing clobbered', async () => {
    const rig = await connectedRig();
    const { project, sequence } = rig.fake;
    const info = (await realLookup(clipPath))!;
    const item = project.addMedia(clipPath, info);
    // A: V1 at 5 s, source 1.0-2.0 s (frames 10-19) -> renders 7-22, lands on V2 (free there).
    const a = sequence.addClip(0, 'A', item, { in: 1, out: 2, start: 5 });
    // B: V1 at 10 s, source 0-1 s (frames 0-9) -> renders 0-12 (no room for a leading handle).
    const b = sequence.addClip(0, 'B', item, { in: 0, out: 1, start: 10 });
    // V2 is busy where B sits, and V3 too: B must go to a new track (index 3), not overwrite "title".
    sequence.addClip(1, 'title', item, { in: 0, out: 0.5, start: 10.5 });
    sequence.addClip(2, 'logo', item, { in: 0, out: 3, start: 9 });
    sequence.selection = [a, b];

    expect(rig.controller.state.values).toEqual({ gain: 1 });
    expect(rig.controller.setValue('gain', 0.5)).toBe(true);
    const result = await rig.controller.apply();

    expect(result.map((c) => [c.name, c.status])).toEqual([
      ['A', 'placed'],
      ['B', 'placed'],
    ]);
    const [ra, rb] = result;
    expect(ra!.output).toMatch(/street\.mlxv-identity-7-22-20261124-120000\.mov$/);
    expect(rb!.output).toMatch(/street\.mlxv-identity-0-12-20261124-120000\.mov$/);
    expect(await frameCount(ra!.output!)).toBe(16);
    expect(await frameCount(rb!.output!)).toBe(13);

    // Imported into the dedicated bin.
    const bin = project.root.items.find((i) => i.name === RENDER_FOLDER_NAME);
    expect(bin).toBeInstanceOf(FakeFolderItem);
    const renders = (bin as FakeFolderItem).items as FakeClipProjectItem[];
    expect(renders.map((r) => r.mediaPath).sort()).toEqual([ra!.output, rb!.output].sort());

    // Placed above, frame-aligned: A on V2 at 5 s showing render seconds 0.3-1.3 (= source 1.0-2.0).
    expect(ra!.trackIndex).toBe(1);
    expect([ra!.message, rb!.message]).toEqual(['Placed on V2', 'Placed on new track V4']);
    const placedA = sequence.videoTracks[1]!.items.find((i) => i.projectItem.mediaPath === ra!.output)!;
    expect(placedA.startSeconds).toBeCloseTo(5, 6);
    expect(placedA.inSeconds).toBeCloseTo(0.3, 6);
    expect(placedA.outSeconds).toBeCloseTo(1.3, 6);
    // B on a new fourth track (0-based 3).
    expect(rb!.trackIndex).toBe(3);
    expect(sequence.videoTracks).toHaveLength(4);
    const placedB = sequence.videoTracks[3]!.items[0]!;
    expect([placedB.startSeconds, placedB.inSeconds, placedB.outSeconds]).toEqual([10, 0, 1]);

    expect(sequence.clobbered).toEqual([]);
    // The originals' audio track (A1, index 0) is left alone.
    expect(sequence.audioPlacements.every((p) => p.track >= 1)).toBe(true);
    expect(project.undoStack).toEqual([
      `mlxvideo: create bin "${RENDER_FOLDER_NAME}"`,
      'mlxvideo: Identity (pass-through)',
    ]);
    rig.controller.dispose();
  });

  it('23.976 fps clip with audio: exact frames from host times, its audio goes to a new audio track', async () => {
    const rig = await connectedRig();
    const { project, sequence } = rig.fake;
    const closeup = media.add('closeup-2398.mp4', 'closeup.mp4');
    const item = project.addMedia(closeup, (await realLookup(closeup))!);
    const fps = 24000 / 1001;
    // Host times rounded to the millisecond: source frames 12-23, at sequence time 1 s.
    const ms = (frames: number) => Math.round((frames / fps) * 1000) / 1000;
    sequence.selection = [sequence.addClip(0, 'closeup', item, { in: ms(12), out: ms(24), start: 1 })];
    const [clip] = await rig.controller.apply();
    expect(clip).toMatchObject({ status: 'placed', trackIndex: 1 });
    expect(clip!.output).toMatch(/closeup\.mlxv-identity-9-26-/);
    const rendered = await probeMedia(clip!.output!);
    expect(rendered.frameCount).toBe(18);
    expect(rendered.frameRate).toEqual({ num: 24000, den: 1001 });
    expect(rendered.audio).toBeDefined();
    const placed = sequence.videoTracks[1]!.items[0]!;
    expect(placed.inSeconds).toBeCloseTo(3 / fps, 9);
    expect(placed.outSeconds - placed.inSeconds).toBeCloseTo(12 / fps, 9);
    expect(sequence.audioPlacements).toEqual([{ track: 1, name: expect.stringMatching(/^closeup\.mlxv/) }]);
    expect(sequence.clobbered).toEqual([]);
    rig.controller.dispose();
  });

  it('rejects offline, nested, reversed and speed-changed clips with clear messages and submits nothing for them', async () => {
    const rig = await connectedRig();
    const { project, sequence } = rig.fake;
    const info = (await realLookup(clipPath))!;
    const online = project.addMedia(clipPath, info);
    const offline = project.addMedia('/nowhere/lost.mov', info, { offline: true });
    const nested = project.addMedia('/nested', info, { sequence: true });
    sequence.selection = [
      sequence.addClip(0, 'lost', offline, { in: 0, out: 1, start: 0 }),
      sequence.addClip(0, 'nest', nested, { in: 0, out: 1, start: 2 }),
      sequence.addClip(0, 'rev', online, { in: 0, out: 1, start: 4 }, { reversed: true }),
      sequence.addClip(0, 'fast', online, { in: 0, out: 2, start: 6 }, { speed: 2 }),
    ];
    const before = (await t.connect()).listJobs();
    const jobsBefore = (await before).length;
    const result = await rig.controller.apply();
    expect(result.map((c) => c.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(result[0]!.message).toMatch(/offline: relink/);
    expect(result[1]!.message).toMatch(/nested sequence/);
    expect(result[2]!.message).toMatch(/reversed/);
    expect(result[3]!.message).toMatch(/200 % speed/);
    expect((await (await t.connect()).listJobs()).length).toBe(jobsBefore);
    expect(project.undoStack).toEqual([]);
    rig.controller.dispose();
  });

  it('a job that fails (media gone from disk) is reported per clip and nothing is placed', async () => {
    const rig = await connectedRig();
    const { project, sequence } = rig.fake;
    const gone = media.add('wide-street.mp4', 'gone.mp4');
    const info = (await realLookup(gone))!;
    const item = project.addMedia(gone, info);
    sequence.selection = [sequence.addClip(0, 'gone', item, { in: 0, out: 1, start: 0 })];
    const { rmSync } = await import('node:fs');
    rmSync(gone);
    const [clip] = await rig.controller.apply();
    expect(clip!.status).toBe('failed');
    expect(clip!.message).toMatch(/cannot find the media file \[INPUT_MISSING\]/);
    expect(project.undoStack).toEqual([]);
    expect(sequence.videoTracks[1]!.items).toEqual([]);
    rig.controller.dispose();
  });

  it('cancel mid-job: the clip reports cancelled, no render is left, nothing is placed', async () => {
    const rig = await connectedRig(12);
    const { project, sequence } = rig.fake;
    const item = project.addMedia(clipPath, (await realLookup(clipPath))!);
    sequence.selection = [sequence.addClip(0, 'long', item, { in: 0, out: 4.8, start: 0 })];
    rig.controller.setValue('gain', 2);
    const unsubscribe = rig.controller.subscribe((s) => {
      if (s.clips[0]?.status === 'running') rig.controller.cancel(s.clips[0].clipId);
    });
    const [clip] = await rig.controller.apply();
    unsubscribe();
    expect(clip!.status).toBe('cancelled');
    expect(readdirSync(media.dir).filter((n) => n.includes('mlxv-identity-0-47'))).toEqual([]);
    expect(project.undoStack).toEqual([]);
    rig.controller.dispose();
  });

  it('nothing selected, and an empty selection message', async () => {
    const rig = await connectedRig();
    expect(await rig.controller.apply()).toEqual([]);
    expect(rig.controller.state.message).toMatch(/Select one or more clips/);
    rig.controller.dispose();
  });
});

describe('connecting and pairing', () => {
  it('daemon not running: unreachable, with how to start it', async () => {
    const rig = premiereRig('ws://127.0.0.1:9/', { token: 'ab'.repeat(32) });
    await rig.controller.connect();
    expect(rig.controller.state.connection).toBe('unreachable');
    expect(rig.controller.state.message).toMatch(/not running at ws:\/\/127\.0\.0\.1:9\/.*mlxv serve/);
  });

  it('no token asks for pairing; a wrong code is refused; a refused token is forgotten', async () => {
    const rig = premiereRig(t.daemon.url);
    await rig.controller.connect();
    expect(rig.controller.state.connection).toBe('needs-pairing');
    await rig.controller.pair('12');
    expect(rig.controller.state.message).toMatch(/6 digits/);
    await rig.controller.pair('000000');
    expect(rig.controller.state.connection).toBe('needs-pairing');
    expect(rig.controller.state.message).toMatch(/wrong, used or expired/);

    const stale = premiereRig(t.daemon.url, { token: 'cd'.repeat(32) });
    await stale.controller.connect();
    expect(stale.controller.state.connection).toBe('needs-pairing');
    expect(stale.tokens.value).toBeNull();
  });

  it('the paired token is kept and the effect list comes from the daemon', async () => {
    const rig = premiereRig(t.daemon.url, { token });
    await rig.controller.connect();
    const s = rig.controller.state;
    expect(s.connection).toBe('connected');
    expect(s.effects.map((e) => e.id)).toContain('identity');
    rig.controller.selectEffect('identity');
    expect(rig.controller.state.fields).toEqual([
      expect.objectContaining({
        kind: 'number',
        name: 'gain',
        min: 0,
        max: 16,
        displayMin: 0,
        displayMax: 2,
      }),
    ]);
    expect(rig.controller.setValue('gain', 'abc')).toBe(false);
    expect(rig.controller.setValue('gain', 99)).toBe(true);
    expect(rig.controller.state.values.gain).toBe(16);
    rig.controller.dispose();
  });
});

describe('daemon going away', () => {
  it('a daemon that stops mid-job: the clip fails with the reason, the panel shows it is not connected', async () => {
    const own = await startTestDaemon();
    const { code } = await (await own.connect()).createPairCode();
    const rig = premiereRig(own.daemon.url, { handleFrames: 12 });
    await rig.controller.pair(code);
    rig.controller.selectEffect('identity');
    rig.controller.setValue('gain', 2);
    const item = rig.fake.project.addMedia(clipPath, (await realLookup(clipPath))!);
    rig.fake.sequence.selection = [rig.fake.sequence.addClip(0, 'long', item, { in: 0, out: 4.8, start: 0 })];
    let stopping: Promise<void> | null = null;
    rig.controller.subscribe((s) => {
      if (s.clips[0]?.status === 'running' && !stopping) stopping = own.stop();
    });
    const [clip] = await rig.controller.apply();
    await stopping;
    expect(clip!.status).toBe('failed');
    expect(clip!.message).toMatch(/lost the connection to the daemon \[CONNECTION_CLOSED\]/);
    expect(rig.controller.state.connection).toBe('unreachable');
    expect(rig.fake.project.undoStack).toEqual([]);
    rig.controller.dispose();
  });
});

describe('placement without a live selection', () => {
  it('a result whose file cannot be imported fails that clip only', async () => {
    const rig = await connectedRig();
    const { project, sequence } = rig.fake;
    const item = project.addMedia(clipPath, (await realLookup(clipPath))!);
    const clip = sequence.addClip(0, 'x', item, { in: 0, out: 1, start: 20 });
    sequence.selection = [clip];
    const [selected] = await rig.adapter.getSelectedClips();
    const outcomes = await rig.adapter.placeResults(
      [
        {
          clipId: selected!.id,
          resultPath: `${media.dir}/missing.mov`,
          resultInSeconds: 0,
          durationSeconds: 1,
        },
      ],
      { undoLabel: 'mlxvideo: test' },
    );
    expect(outcomes).toEqual([
      { clipId: selected!.id, ok: false, message: expect.stringMatching(/could not be imported/) },
    ]);
    expect(existsSync(`${media.dir}/missing.mov`)).toBe(false);
    rig.controller.dispose();
  });
});
