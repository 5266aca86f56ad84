/**
 * The real panel controller + the real AfterEffectsAdapter over the AE DOM fake, against a real daemon:
 * selected layers → jobs → imported into the "mlxvideo renders" folder → a new layer right above each
 * original, frame-aligned, all in one undo group; unsupported layers are refused with reasons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PanelController } from '../../core/src/panel/panel-controller.ts';
import { RENDER_FOLDER_NAME } from '../../core/src/panel/host-adapter.ts';
import { AfterEffectsAdapter } from '../../plugin-aftereffects/src/ae-adapter.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import { createFakeAfterEffects, FakeFootage, type FakeLayer } from './fakes/aftereffects.ts';
import type { FakeMediaInfo } from './fakes/premierepro.ts';
import {
  NodeWebSocket,
  aeProbingAdapter,
  mediaFolder,
  memoryTokens,
  realLookup,
  type MediaFolder,
} from './helpers.ts';

let t: TestDaemon;
let media: MediaFolder;
let clipPath: string;
let info: FakeMediaInfo;
let token: string;

beforeAll(async () => {
  t = await startTestDaemon();
  media = mediaFolder();
  clipPath = media.add('wide-street.mp4', 'street.mp4');
  info = (await realLookup(clipPath))!;
  const { code } = await (await t.connect()).createPairCode();
  const tokens = memoryTokens();
  const c = new PanelController({
    adapter: rig().adapter,
    tokens,
    url: t.daemon.url,
    WebSocket: NodeWebSocket,
  });
  await c.pair(code);
  token = tokens.value!;
  c.dispose();
});
afterAll(async () => {
  await t.stop();
  media.remove();
});

function rig() {
  const fake = createFakeAfterEffects({});
  const adapter = new AfterEffectsAdapter(fake.module);
  const probing = aeProbingAdapter(fake, adapter);
  return { fake, adapter: probing };
}

async function connected() {
  const r = rig();
  const controller = new PanelController({
    adapter: r.adapter,
    tokens: memoryTokens(token),
    url: t.daemon.url,
    WebSocket: NodeWebSocket,
    handleFrames: 3,
  });
  await controller.connect();
  controller.selectEffect('identity');
  return { ...r, controller };
}

describe('After Effects panel against a real daemon', () => {
  it('adds each render as a layer right above its original, frame-aligned, in one undo group', async () => {
    const { fake, controller } = await connected();
    const footage = fake.project.addFootage(clipPath, info);
    // Layer starts at comp 3 s; visible 4-5 s = source 1.0-2.0 s (frames 10-19) -> render frames 7-22.
    const original = fake.comp.addFootageLayer(footage, { startTime: 3, inPoint: 4, outPoint: 5 });
    const other = fake.comp.addFootageLayer(footage, { startTime: 0, inPoint: 0, outPoint: 2 });
    fake.comp.selected = [original];

    const [clip] = await controller.apply();
    expect(clip).toMatchObject({
      status: 'placed',
      trackIndex: 0,
      message: 'Placed on layer 1, above "street.mp4"',
    });
    expect(clip!.output).toMatch(/street\.mlxv-identity-7-22-\d{8}-\d{6}\.mov$/);

    const placed = fake.comp.stack[0] as FakeLayer;
    expect(fake.comp.stack.map((l) => l.name)).toEqual([placed.name, 'street.mp4', 'street.mp4']);
    expect(fake.comp.stack[1]).toBe(original);
    expect(fake.comp.stack[2]).toBe(other);
    expect((placed.source as FakeFootage).mainSource.file).toBe(clip!.output);
    // Comp time 4 s shows render frame 3 (= source frame 10), like the original.
    expect(placed.startTime).toBeCloseTo(3.7, 6);
    expect([placed.inPoint, placed.outPoint]).toEqual([4, 5]);
    expect((placed.source as FakeFootage).parentFolder.name).toBe(RENDER_FOLDER_NAME);
    expect(fake.app.undoGroups).toEqual(['mlxvideo: Identity (pass-through)']);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
    controller.dispose();
  });

  it('refuses precomps, missing footage, stretched and time-remapped layers, and solids', async () => {
    const { fake, controller } = await connected();
    const footage = fake.project.addFootage(clipPath, info);
    const missing = fake.project.addFootage('/gone/x.mov', info, true);
    const solid = fake.project.addFootage(null, info);
    const times = { startTime: 0, inPoint: 0, outPoint: 1 };
    const stretched = fake.comp.addFootageLayer(footage, times);
    stretched.stretch = 200;
    const remapped = fake.comp.addFootageLayer(footage, times);
    remapped.timeRemapEnabled = true;
    fake.comp.selected = [
      fake.comp.addFootageLayer(missing, times),
      fake.comp.addFootageLayer(solid, times),
      stretched,
      remapped,
    ];
    const result = await controller.apply();
    expect(result.map((c) => c.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(result.map((c) => c.message)).toEqual([
      expect.stringMatching(/offline/),
      expect.stringMatching(/solid or placeholder/),
      expect.stringMatching(/50 % speed/),
      expect.stringMatching(/time remapping/),
    ]);
    expect(fake.app.undoGroups).toEqual([]);
    controller.dispose();
  });

  it('no active comp: a clear message', async () => {
    const { fake, controller } = await connected();
    fake.project.activeItem = null;
    expect(await controller.apply()).toEqual([]);
    expect(controller.state.message).toMatch(/Open a composition/);
    controller.dispose();
  });
});
