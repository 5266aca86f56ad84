/**
 * face-track from the panels: with `face-track` chosen, Analyse runs it as a real daemon job on loopback
 * (real models, the real close-up clip) with the form's parameters, the daemon reads the tracks back
 * (`face.tracks`), and the host gets them in one undo step: After Effects (UXP adapter and the CEP .jsx) a
 * null per track, parented to the footage layer, with Position/Scale keys at comp times; Premiere a marker
 * per track on the clip's media and the reason there are no keyframes. The hosts are the rule-keeping fakes
 * (test/panels/fakes/), so the host APIs are verified against those, not against AE or Premiere.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CepHostAdapter } from '../../core/src/panel/cep-host-adapter.ts';
import type { HostAdapter } from '../../core/src/panel/host-adapter.ts';
import {
  FACE_TRACK_EFFECT,
  FACE_TRACKS_UNDO_LABEL,
  PanelController,
} from '../../core/src/panel/panel-controller.ts';
import type { TrackSample } from '../../core/src/effects/faces/track-sample.ts';
import { AfterEffectsAdapter } from '../../plugin-aftereffects/src/ae-adapter.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import { createFakeAfterEffects, FakeFootage } from '../panels/fakes/aftereffects.ts';
import {
  createFakeAfterEffects as createFakeExtendScript,
  FakeAVLayer,
  FakeFile,
  probeSync,
} from '../panels/fakes/aftereffects-extendscript.ts';
import { FakeCsInterface } from '../panels/fakes/cs-interface.ts';
import {
  NodeWebSocket,
  aeProbingAdapter,
  memoryTokens,
  pairedPanelToken,
  premiereRig,
  realLookup,
} from '../panels/helpers.ts';
import { fixture } from '../support/paths.ts';

const SOURCE = fixture('closeup-2398.mp4');
const FPS = 24000 / 1001;

let t: TestDaemon;
let dir: string;
let clip: string;
let token: string;

beforeAll(async () => {
  t = await startTestDaemon({ createContext: undefined });
  dir = mkdtempSync(join(tmpdir(), 'mlxv-panel-faces-'));
  // A copy next to which the job writes its tracks (the fixture folder stays clean).
  clip = join(dir, 'closeup.mp4');
  writeFileSync(clip, readFileSync(SOURCE));
  token = await pairedPanelToken(t);
}, 180_000);

afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function trackFaces(adapter: HostAdapter) {
  const c = new PanelController({
    adapter,
    tokens: memoryTokens(token),
    url: t.daemon.url,
    WebSocket: NodeWebSocket,
  });
  await c.connect();
  c.selectEffect(FACE_TRACK_EFFECT);
  expect(c.state.effectId).toBe(FACE_TRACK_EFFECT);
  const rows = await c.analyse();
  expect(rows, JSON.stringify(rows)).toHaveLength(1);
  expect(rows[0], JSON.stringify(rows)).toMatchObject({ status: 'placed', message: '1 face track(s)' });
  expect(rows[0]!.output).toMatch(/closeup\.mlxv-face-track-\d{8}-\d{6}\.json$/);
  // The job's own output, read here independently of the daemon's face.tracks reply.
  const doc = JSON.parse(readFileSync(rows[0]!.output!, 'utf8')) as {
    records: { data: { id: number; samples: TrackSample[] } }[];
  };
  c.dispose();
  return { message: c.state.message, samples: doc.records[0]!.data.samples };
}

/** Face centres and comp times expected for a layer starting at `start` (stretch 100), within in/out. */
function expectedKeys(samples: readonly TrackSample[], start: number, inPoint: number, outPoint: number) {
  return samples
    .map(([f, x, y, w, h]) => ({ time: start + f / FPS, value: [x + w / 2, y + h / 2] }))
    .filter((k) => k.time >= inPoint - 1e-9 && k.time <= outPoint + 1e-9);
}

describe('face-track from the panels', () => {
  it('After Effects (UXP): a keyframed null per track, parented to the layer, one undo group', async () => {
    const fake = createFakeAfterEffects({});
    const info = (await realLookup(clip))!;
    const footage = new FakeFootage(
      'closeup.mp4',
      clip,
      info.frameRate,
      info.durationSeconds,
      fake.project.root,
    );
    fake.project.all.push(footage);
    // Starts at comp 2 s, trimmed to show media 0.5 s..end: the first 12 frames get no key.
    const layer = fake.comp.addFootageLayer(footage, {
      startTime: 2,
      inPoint: 2.5,
      outPoint: 2 + info.durationSeconds,
    });
    fake.comp.selected = [layer];
    const { message, samples } = await trackFaces(
      aeProbingAdapter(fake, new AfterEffectsAdapter(fake.module)),
    );
    expect(samples).toHaveLength(36);
    expect(message).toMatch(/^Added 1 null\(s\) named "Face <id>"/);
    const carrier = fake.comp.stack[0]!;
    expect([carrier.name, carrier.parent]).toEqual(['Face 1', layer]);
    const position = carrier.property('ADBE Transform Group').position;
    const want = expectedKeys(samples, 2, 2.5, layer.outPoint);
    expect(want.length).toBe(24);
    expect(position.numKeys).toBe(want.length);
    want.forEach((k, i) => {
      expect(position.keyTime(i + 1)).toBeCloseTo(k.time, 9);
      expect(position.keyValue(i + 1)).toEqual(k.value);
    });
    expect(fake.app.undoGroups).toEqual([FACE_TRACKS_UNDO_LABEL]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
  }, 300_000);

  it('After Effects (CEP): the same through the real mlxvideo.jsx', async () => {
    const fake = createFakeExtendScript({ lookup: probeSync });
    fake.project.file = new FakeFile(join(dir, 'Motion.aep'));
    const facts = probeSync(clip)!;
    const footage = fake.project.addFootage(clip, facts);
    const layer = fake.comp.addFootageLayer(footage, {
      startTime: 1,
      inPoint: 1,
      outPoint: 1 + facts.duration,
    });
    fake.comp.selected = [layer];
    const cs = new FakeCsInterface((script) => fake.evalScript(script));
    const { message, samples } = await trackFaces(new CepHostAdapter(cs));
    expect(fake.scriptErrors).toEqual([]);
    expect(message).toMatch(/^Added 1 null\(s\)/);
    const carrier = fake.comp.stack[0]!;
    expect(carrier).toBeInstanceOf(FakeAVLayer);
    expect([carrier.name, carrier.parent, carrier.source]).toEqual(['Face 1', layer, null]);
    const transform = carrier.property('ADBE Transform Group');
    const position = transform.property('ADBE Position');
    const scale = transform.property('ADBE Scale');
    const want = expectedKeys(samples, 1, 1, layer.outPoint);
    expect(want.length).toBe(36);
    expect(position.keys.map((k) => k.time)).toEqual(want.map((k) => expect.closeTo(k.time, 9)));
    expect(position.keys.map((k) => k.value)).toEqual(want.map((k) => k.value));
    // Scale: 100% on the first tracked frame, then the face size relative to it.
    expect(scale.keys[0]!.value).toEqual([100, 100]);
    const size0 = Math.max(samples[0]![3], samples[0]![4]);
    expect(scale.keys[10]!.value[0]).toBeCloseTo(
      (Math.max(samples[10]![3], samples[10]![4]) / size0) * 100,
      9,
    );
    expect(fake.app.undoGroups).toEqual([FACE_TRACKS_UNDO_LABEL]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
    expect(fake.app.violations).toEqual([]);
  }, 300_000);

  it('Premiere: a marker per face track on the clip’s media, and why there are no keyframes', async () => {
    const rig = premiereRig(t.daemon.url, { token });
    const item = rig.fake.project.addMedia(clip, (await realLookup(clip))!);
    rig.fake.sequence.selection = [
      rig.fake.sequence.addClip(0, 'closeup', item, { in: 0, out: 1.5, start: 3 }),
    ];
    const { message, samples } = await trackFaces(rig.adapter);
    expect(message).toMatch(/^Added 1 face marker\(s\)/);
    expect(message).toMatch(/No keyframes in Premiere Pro: it has no null layers/);
    const markers = rig.fake.markersOf(item)!.getMarkers();
    expect(markers.map((m) => [m.name, m.type])).toEqual([['Face 1', 'Comment']]);
    expect(markers[0]!.startSeconds).toBeCloseTo(samples[0]![0] / FPS, 3);
    expect(markers[0]!.comments).toMatch(/^face-track id 1: frames 0-35, \d+ detected, \d+ held$/);
    expect(rig.fake.project.undoStack).toEqual([FACE_TRACKS_UNDO_LABEL]);
  }, 300_000);

  it('face.tracks refuses what is not a face-track output, naming the file', async () => {
    const client = await t.connect();
    const other = join(dir, 'not-tracks.json');
    writeFileSync(other, JSON.stringify({ effect: 'analyze', records: [], frameRate: { num: 1, den: 1 } }));
    await expect(client.faceTracks(other)).rejects.toMatchObject({
      code: 'BAD_PARAM',
      message: expect.stringContaining(other),
    });
    await expect(client.faceTracks('relative.json')).rejects.toMatchObject({ code: 'BAD_PARAM' });
  });
});
