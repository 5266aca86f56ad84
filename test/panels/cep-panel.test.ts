/**
 * The After Effects CEP panel end to end without After Effects: the real PanelController and the real
 * CepHostAdapter send evalScript strings through a fake CSInterface to the real ExtendScript
 * (plugin-aftereffects/cep/jsx/mlxvideo.jsx) running in a Node vm over a fake AE DOM that enforces AE's
 * rules (test/panels/fakes/aftereffects-extendscript.ts), against a real daemon running the real `matte`
 * model on a real clip. Failure paths (offline footage, locked layers, daemon down or dying mid-job, a
 * placement that fails half-way) must leave the project and the comp exactly as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CepHostAdapter } from '../../core/src/panel/cep-host-adapter.ts';
import { RENDER_FOLDER_NAME } from '../../core/src/panel/host-adapter.ts';
import { PanelController } from '../../core/src/panel/panel-controller.ts';
import { probeMedia } from '../../core/src/media/probe.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import {
  createFakeAfterEffects,
  probeSync,
  type FakeAfterEffects,
  type FakeFootageItem,
  type MediaFacts,
} from './fakes/aftereffects-extendscript.ts';
import { FakeCsInterface } from './fakes/cs-interface.ts';
import { NodeWebSocket, mediaFolder, memoryTokens, type MediaFolder } from './helpers.ts';

let t: TestDaemon;
let media: MediaFolder;
let clipPath: string;
let facts: MediaFacts;
let token: string;

async function pairedTokenFor(daemon: TestDaemon): Promise<string> {
  const { code } = await (await daemon.connect()).createPairCode();
  const tokens = memoryTokens();
  const c = new PanelController({
    adapter: rig().adapter,
    tokens,
    url: daemon.daemon.url,
    WebSocket: NodeWebSocket,
  });
  await c.pair(code);
  c.dispose();
  return tokens.value!;
}

beforeAll(async () => {
  // The real effect context (models from ../shared/models through the model manager), for `matte`.
  t = await startTestDaemon({ createContext: undefined });
  media = mediaFolder();
  clipPath = media.add('wide-street.mp4', 'street.mp4');
  facts = probeSync(clipPath)!;
  token = await pairedTokenFor(t);
}, 120_000);

afterAll(async () => {
  await t?.stop();
  media?.remove();
});

function rig(fake: FakeAfterEffects = createFakeAfterEffects()) {
  const cs = new FakeCsInterface((script) => fake.evalScript(script));
  return { fake, cs, adapter: new CepHostAdapter(cs) };
}

async function connected(daemon: TestDaemon, daemonToken: string, effect = 'matte') {
  const r = rig();
  const controller = new PanelController({
    adapter: r.adapter,
    tokens: memoryTokens(daemonToken),
    url: daemon.daemon.url,
    WebSocket: NodeWebSocket,
    handleFrames: 3,
  });
  await controller.connect();
  expect(controller.state.connection).toBe('connected');
  controller.selectEffect(effect);
  expect(controller.state.effectId).toBe(effect);
  return { ...r, controller };
}

/** The comp as the user sees it: three layers of the real clip, the middle one to be processed. */
function threeLayers(fake: FakeAfterEffects) {
  const footage = fake.project.addFootage(clipPath, facts);
  const top = fake.comp.addFootageLayer(footage, { startTime: 0, inPoint: 0, outPoint: 1 });
  // Starts at comp 3 s; visible 3.5-4.0 s = source 0.5-1.0 s (frames 5-9 at 10 fps).
  const original = fake.comp.addFootageLayer(footage, { startTime: 3, inPoint: 3.5, outPoint: 4 });
  const bottom = fake.comp.addFootageLayer(footage, { startTime: 0, inPoint: 0, outPoint: 2 });
  fake.comp.selected = [original];
  return { footage, top, original, bottom };
}

describe('After Effects CEP panel against a real daemon', () => {
  it('applies matte to a selected layer: the result sits directly above it, same timing, one undo group', async () => {
    const { fake, controller, cs } = await connected(t, token);
    const { top, original, bottom } = threeLayers(fake);

    const [clip] = await controller.apply();
    expect(fake.scriptErrors).toEqual([]);
    expect(clip).toMatchObject({ status: 'placed', trackIndex: 1 });
    expect(clip!.message).toBe('Placed on layer 2, above "street.mp4"');
    // Source frames 5-9 plus 3 handle frames each side.
    const output = clip!.output!;
    expect(output).toMatch(/street\.mlxv-matte-2-12-\d{8}-\d{6}\.mov$/);

    const placed = fake.comp.stack[1]!;
    expect(fake.comp.stack).toEqual([top, placed, original, bottom]);
    expect([placed.index, original.index]).toEqual([2, 3]);
    const source = placed.source as FakeFootageItem;
    expect(source.mainSource).toMatchObject({ file: { fsName: output } });
    expect(source.parentFolder.name).toBe(RENDER_FOLDER_NAME);
    // Same visible range; its frame 0 (source frame 2) sits on the comp frame where the original shows
    // source frame 2, so every frame lines up.
    expect([placed.inPoint, placed.outPoint]).toEqual([original.inPoint, original.outPoint]);
    expect(placed.startTime).toBeCloseTo(original.startTime + 2 / facts.frameRate, 9);
    // The render is the 11 frames, with the matte's alpha.
    const rendered = await probeMedia(output);
    expect(rendered.frameCount).toBe(11);
    expect(rendered.hasAlpha).toBe(true);

    expect(fake.app.undoGroups).toEqual([
      'mlxvideo: ' + controller.state.effects.find((e) => e.id === 'matte')!.label,
    ]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
    expect(fake.app.violations).toEqual([]);
    // Two round trips: read the selection, place the results.
    expect(cs.scripts).toHaveLength(2);
    controller.dispose();
  }, 600_000);

  it('offline footage: refused before any render, the comp unchanged', async () => {
    const { fake, controller } = await connected(t, token);
    const missing = fake.project.addFootage(`${media.dir}/gone.mov`, facts, true);
    const layer = fake.comp.addFootageLayer(missing, { startTime: 0, inPoint: 0, outPoint: 1 });
    fake.comp.selected = [layer];
    const before = fake.snapshot();
    const jobsBefore = (await (await t.connect()).listJobs()).length;

    const [clip] = await controller.apply();
    expect(clip).toMatchObject({ status: 'rejected', message: expect.stringMatching(/offline: relink/) });
    expect(fake.snapshot()).toEqual(before);
    expect(fake.app.edits).toEqual([]);
    expect(fake.app.undoGroups).toEqual([]);
    expect((await (await t.connect()).listJobs()).length).toBe(jobsBefore);
    controller.dispose();
  }, 120_000);

  it('locked layer (comp locked for editing): refused at selection, or at placement when locked mid-render', async () => {
    // Locked before apply: refused before rendering.
    {
      const { fake, controller } = await connected(t, token);
      const { original } = threeLayers(fake);
      original.userLock();
      const before = fake.snapshot();
      const [clip] = await controller.apply();
      expect(clip).toMatchObject({
        status: 'rejected',
        message: expect.stringMatching(/is locked: unlock it/),
      });
      expect(fake.snapshot()).toEqual(before);
      expect(fake.app.edits).toEqual([]);
      controller.dispose();
    }
    // Locked while the render runs: the .jsx re-checks before its undo group and edits nothing.
    {
      const { fake, controller } = await connected(t, token, 'identity');
      const { original } = threeLayers(fake);
      const before = fake.snapshot();
      const unsubscribe = controller.subscribe((s) => {
        if (s.clips[0]?.status === 'running' || s.clips[0]?.status === 'placing') original.userLock();
      });
      const [clip] = await controller.apply();
      unsubscribe();
      expect(clip).toMatchObject({
        status: 'failed',
        message: expect.stringMatching(/is locked: unlock it/),
      });
      original.userLock(false);
      expect(fake.snapshot()).toEqual(before);
      expect(fake.app.edits).toEqual([]);
      expect(fake.app.undoGroups).toEqual([]);
      controller.dispose();
    }
  }, 300_000);

  it('daemon down: nothing to connect to, apply edits nothing', async () => {
    const other = await startTestDaemon();
    const otherToken = await pairedTokenFor(other);
    const url = other.daemon.url;
    await other.stop();
    const r = rig();
    const { original } = threeLayers(r.fake);
    const before = r.fake.snapshot();
    const controller = new PanelController({
      adapter: r.adapter,
      tokens: memoryTokens(otherToken),
      url,
      WebSocket: NodeWebSocket,
    });
    await controller.connect();
    expect(controller.state.connection).toBe('unreachable');
    expect(controller.state.message).toMatch(/not running .* start it with `mlxv serve`/);
    expect(await controller.apply()).toEqual([]);
    expect(controller.state.message).toMatch(/Not connected/);
    expect(r.cs.scripts).toEqual([]);
    expect(r.fake.snapshot()).toEqual(before);
    expect(original.index).toBe(2);
    controller.dispose();
  }, 120_000);

  it('daemon dies mid-job: the clip fails with the reason, the comp unchanged', async () => {
    const other = await startTestDaemon({ createContext: undefined });
    const otherToken = await pairedTokenFor(other);
    const { fake, controller } = await connected(other, otherToken);
    const footage = fake.project.addFootage(clipPath, facts);
    // The whole clip, so the job is still running when the daemon goes.
    const layer = fake.comp.addFootageLayer(footage, { startTime: 0, inPoint: 0, outPoint: facts.duration });
    fake.comp.selected = [layer];
    const before = fake.snapshot();
    let stopping: Promise<void> | null = null;
    controller.subscribe((s) => {
      if (!stopping && s.clips[0]?.status === 'running') stopping = other.stop();
    });
    const [clip] = await controller.apply();
    await stopping;
    expect(stopping).not.toBeNull();
    expect(clip!.status).toBe('failed');
    expect(clip!.message).toMatch(/lost the connection|daemon/i);
    expect(fake.snapshot()).toEqual(before);
    expect(fake.app.edits).toEqual([]);
    controller.dispose();
  }, 300_000);
});

describe('the ExtendScript side alone (fake AE, no daemon)', () => {
  it('a placement that fails half-way removes what it made: project and comp as before', async () => {
    const r = rig();
    const { original } = threeLayers(r.fake);
    const [selected] = await r.adapter.getSelectedClips();
    const before = r.fake.snapshot();
    // Asks for more than the file holds: AE refuses the out point after the import and the layer exist.
    const outcomes = await r.adapter.placeResults(
      [
        {
          clipId: selected!.id,
          resultPath: clipPath,
          resultInSeconds: 0,
          durationSeconds: facts.duration + 5,
        },
      ],
      { undoLabel: 'mlxvideo: Test' },
    );
    expect(outcomes).toEqual([
      {
        clipId: selected!.id,
        ok: false,
        message: expect.stringMatching(/could not place .*outside its footage/),
      },
    ]);
    expect(r.fake.snapshot()).toEqual(before);
    expect(r.fake.app.edits.length).toBeGreaterThan(0); // it did try, inside the group
    expect(r.fake.app.undoGroups).toEqual(['mlxvideo: Test']);
    expect(r.fake.app.editsOutsideUndoGroup).toEqual([]);
    expect(original.index).toBe(2);
  }, 120_000);

  it('reads facts through 1-based collections and refuses what it cannot process', async () => {
    const r = rig();
    const solid = r.fake.project.addFootage(null, facts);
    const footage = r.fake.project.addFootage(clipPath, facts);
    const times = { startTime: 0, inPoint: 0, outPoint: 1 };
    const stretched = r.fake.comp.addFootageLayer(footage, times);
    stretched.stretch = 200;
    const remapped = r.fake.comp.addFootageLayer(footage, times);
    remapped.timeRemapEnabled = true;
    r.fake.comp.selected = [r.fake.comp.addFootageLayer(solid, times), stretched, remapped];
    const clips = await r.adapter.getSelectedClips();
    expect(clips.map((c) => c.unsupportedReason ?? `speed ${c.speed}`)).toEqual([
      expect.stringMatching(/solid or placeholder/),
      'speed 0.5',
      expect.stringMatching(/time remapping/),
    ]);
    expect(clips.map((c) => c.trackIndex)).toEqual([2, 0, 1]);
  });

  it('a missing .jsx or a script error reaches the panel as a message, not a hang', async () => {
    const bare = rig(createFakeAfterEffects({ loadJsx: false }));
    await expect(bare.adapter.getSelectedClips()).rejects.toThrow(/mlxvideo.jsx\) is not loaded/);
    const r = rig();
    r.fake.project.activeItem = null;
    await expect(r.adapter.getSelectedClips()).rejects.toThrow(/Open a composition/);
    const broken = new CepHostAdapter(new FakeCsInterface(() => 'EvalScript error.'));
    await expect(broken.getSelectedClips()).rejects.toThrow(/could not run the mlxvideo script/);
  });
});
