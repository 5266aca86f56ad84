/**
 * #15 from the panels: the Analyse button runs the registered `analyze` analyzer as a real daemon job on
 * loopback (real models, a real clip with cuts made by construction: street | close-up | street at 10 fps,
 * shots starting at 0, 4.8 and 8.4 s), stores the analysis in the project's library index, and places the
 * shots as markers: comment markers on the Premiere clip's project item, layer markers in After Effects
 * (UXP adapter and the CEP .jsx). The hosts are the rule-keeping fakes (test/panels/fakes/), so the marker
 * APIs are verified against those, not against Premiere or After Effects themselves.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryIndex } from '../../core/src/analysis/library-index.ts';
import { CepHostAdapter } from '../../core/src/panel/cep-host-adapter.ts';
import type { HostAdapter } from '../../core/src/panel/host-adapter.ts';
import {
  PanelController,
  PROJECT_LIBRARY_NAME,
  SHOT_MARKERS_UNDO_LABEL,
} from '../../core/src/panel/panel-controller.ts';
import { AfterEffectsAdapter } from '../../plugin-aftereffects/src/ae-adapter.ts';
import { makeClips } from '../analysis/clips.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import { createFakeAfterEffects, FakeFootage } from './fakes/aftereffects.ts';
import {
  createFakeAfterEffects as createFakeExtendScript,
  FakeFile,
  probeSync,
} from './fakes/aftereffects-extendscript.ts';
import { FakeCsInterface } from './fakes/cs-interface.ts';
import {
  NodeWebSocket,
  aeProbingAdapter,
  memoryTokens,
  pairedPanelToken,
  premiereRig,
  realLookup,
} from './helpers.ts';

let t: TestDaemon;
let dir: string;
let clip: string;
let token: string;

// Few model samples and small model frames: the shot pass still sees every frame, which is what markers need.
const ANALYSIS = { stride: 40, resolution: 256 };
const SHOT_STARTS = [0, 4.8, 8.4];

beforeAll(async () => {
  t = await startTestDaemon({ createContext: undefined });
  dir = mkdtempSync(join(tmpdir(), 'mlxv-panel-analyse-'));
  clip = makeClips(dir).cut;
  token = await pairedPanelToken(t);
}, 180_000);

afterAll(async () => {
  await t?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function controllerFor(adapter: HostAdapter) {
  return new PanelController({
    adapter,
    tokens: memoryTokens(token),
    url: t.daemon.url,
    WebSocket: NodeWebSocket,
    analysisParams: ANALYSIS,
  });
}

const tenth = (s: number) => Math.round(s * 10) / 10;

describe('Analyse from the panels', () => {
  it('Premiere: shots become comment markers on the clip, one undo step; the analysis is indexed', async () => {
    const rig = premiereRig(t.daemon.url, { token });
    const { project, sequence } = rig.fake;
    project.path = join(dir, 'Edit.prproj');
    const item = project.addMedia(clip, (await realLookup(clip))!);
    // The whole file at 2 s on V1, and a second use of the same file: one job, markers on the one item.
    const a = sequence.addClip(0, 'cut A', item, { in: 0, out: 12.2, start: 2 });
    const b = sequence.addClip(1, 'cut B', item, { in: 5, out: 9, start: 20 });
    sequence.selection = [a, b];
    const c = controllerFor(rig.adapter);
    await c.connect();
    const rows = await c.analyse();
    expect(rows, JSON.stringify(rows)).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'placed' });
    expect(rows[0]!.message).toBe(`3 shot(s) marked, indexed in ${PROJECT_LIBRARY_NAME}`);
    expect(rows[0]!.output).toMatch(/cut\.mlxv-analyze-\d{8}-\d{6}\.json$/);

    const markers = rig.fake.markersOf(item)!.getMarkers();
    // A's range holds all three shots, B's (5-9 s) only the one starting at 8.4 s: four markers on the item.
    expect(markers.map((m) => tenth(m.startSeconds)).sort((x, y) => x - y)).toEqual([0, 4.8, 8.4, 8.4]);
    expect(markers.map((m) => m.type)).toEqual(markers.map(() => 'Comment'));
    expect(markers.find((m) => m.startSeconds === 0)!.name).toMatch(/^Shot 1/);
    expect(project.undoStack).toEqual([SHOT_MARKERS_UNDO_LABEL]);
    expect(c.state.message).toBe('Added 4 shot marker(s).');

    // The library index next to the project holds the file's three shots (what `mlxv search` reads).
    const index = LibraryIndex.open(join(dir, PROJECT_LIBRARY_NAME), { readonly: true });
    try {
      const shots = index.db
        .prepare('SELECT s.shot FROM shots s JOIN files f ON f.id = s.file_id WHERE f.path = ?')
        .all(clip) as { shot: number }[];
      expect(shots.map((s) => s.shot)).toEqual([1, 2, 3]);
    } finally {
      index.close();
    }
    c.dispose();
  }, 600_000);

  it('Premiere: cancel mid-analysis leaves no markers and no analysis file', async () => {
    const rig = premiereRig(t.daemon.url, { token });
    const item = rig.fake.project.addMedia(clip, (await realLookup(clip))!);
    rig.fake.sequence.selection = [rig.fake.sequence.addClip(0, 'cut', item, { in: 0, out: 12.2, start: 0 })];
    const c = new PanelController({
      adapter: rig.adapter,
      tokens: memoryTokens(token),
      url: t.daemon.url,
      WebSocket: NodeWebSocket,
      // Every frame through the models at full size: slow enough to catch while running.
      analysisParams: { stride: 1, resolution: 960 },
    });
    await c.connect();
    const before = readdirSync(dir).filter((f) => f.endsWith('.json')).length;
    const running = c.analyse();
    await new Promise<void>((resolve) => {
      const off = c.subscribe((s) => {
        if (s.clips[0]?.status === 'running' && s.clips[0].done > 0) {
          off();
          resolve();
        }
      });
    });
    c.cancel();
    const rows = await running;
    expect(rows[0]).toMatchObject({ status: 'cancelled' });
    expect(rig.fake.markersOf(item)?.getMarkers() ?? []).toEqual([]);
    expect(rig.fake.project.undoStack).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json')).length).toBe(before);
    expect(readdirSync(dir).filter((f) => f.includes('.partial-'))).toEqual([]);
    c.dispose();
  }, 600_000);

  it('After Effects (UXP): layer markers at comp times, one undo group', async () => {
    const fake = createFakeAfterEffects({});
    const info = (await realLookup(clip))!;
    const footage = new FakeFootage('cut.mp4', clip, info.frameRate, info.durationSeconds, fake.project.root);
    fake.project.all.push(footage);
    // Starts at comp 1 s, shows media 4-12 s (comp 5-13 s): the shots at 4.8 and 8.4 s are inside.
    const layer = fake.comp.addFootageLayer(footage, { startTime: 1, inPoint: 5, outPoint: 13 });
    fake.comp.selected = [layer];
    const c = controllerFor(aeProbingAdapter(fake, new AfterEffectsAdapter(fake.module)));
    await c.connect();
    const rows = await c.analyse();
    expect(rows[0], JSON.stringify(rows)).toMatchObject({ status: 'placed' });
    const keys = layer.property('Marker').keys;
    expect(keys.map((k) => tenth(k.time))).toEqual([5.8, 9.4]);
    expect(keys[0]!.value.comment).toMatch(/^Shot 2/);
    expect(fake.app.undoGroups).toEqual([SHOT_MARKERS_UNDO_LABEL]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
    c.dispose();
  }, 600_000);

  it('After Effects (CEP): the same through the real mlxvideo.jsx', async () => {
    const fake = createFakeExtendScript({ lookup: probeSync });
    fake.project.file = new FakeFile(join(dir, 'Motion.aep'));
    const footage = fake.project.addFootage(clip, probeSync(clip)!);
    const layer = fake.comp.addFootageLayer(footage, { startTime: 0, inPoint: 0, outPoint: 12.2 });
    fake.comp.selected = [layer];
    const cs = new FakeCsInterface((script) => fake.evalScript(script));
    const c = controllerFor(new CepHostAdapter(cs));
    await c.connect();
    const rows = await c.analyse();
    expect(fake.scriptErrors).toEqual([]);
    expect(rows[0], JSON.stringify(rows)).toMatchObject({ status: 'placed' });
    expect(layer.marker.keys.map((k) => tenth(k.time))).toEqual(SHOT_STARTS);
    expect(layer.marker.keys[2]!.value.duration).toBeCloseTo(12.2 - 8.4, 1);
    expect(fake.app.undoGroups).toEqual([SHOT_MARKERS_UNDO_LABEL]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
    expect(fake.app.violations).toEqual([]);
    expect(existsSync(join(dir, PROJECT_LIBRARY_NAME))).toBe(true);
    c.dispose();
  }, 600_000);

  it('analysis.markers refuses what is not an analyze output, naming the file, and writes nothing', async () => {
    const client = await t.connect();
    const other = join(dir, 'not-analysis.json');
    writeFileSync(other, JSON.stringify({ effect: 'face-track', records: [] }));
    await expect(client.analysisMarkers(other, join(dir, 'other.db'))).rejects.toMatchObject({
      code: 'BAD_PARAM',
      message: expect.stringContaining(other),
    });
    await expect(client.analysisMarkers('relative.json')).rejects.toMatchObject({ code: 'BAD_PARAM' });
    expect(existsSync(join(dir, 'other.db'))).toBe(false);
  });
});
