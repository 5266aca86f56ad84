/**
 * A generated clip from the panels (#11): the generator `latent-walk` runs as a real daemon job on loopback
 * with the real style models, its clip is written next to the saved project, and it lands on a new track
 * (Premiere) or a new layer (After Effects UXP and CEP) at the playhead/current time, exactly as long as
 * the render. The hosts are the rule-keeping fakes (test/panels/fakes/), so the placement rules are
 * verified against those, not against Premiere or After Effects themselves.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia } from '../../core/src/media/probe.ts';
import { CepHostAdapter } from '../../core/src/panel/cep-host-adapter.ts';
import type { HostAdapter } from '../../core/src/panel/host-adapter.ts';
import { PanelController } from '../../core/src/panel/panel-controller.ts';
import { AfterEffectsAdapter } from '../../plugin-aftereffects/src/ae-adapter.ts';
import { startTestDaemon, type TestDaemon } from '../daemon/helpers.ts';
import { createFakeAfterEffects } from './fakes/aftereffects.ts';
import {
  createFakeAfterEffects as createFakeExtendScript,
  FakeFile,
  probeSync,
  type FakeFootageItem,
} from './fakes/aftereffects-extendscript.ts';
import { FakeCsInterface } from './fakes/cs-interface.ts';
import {
  NodeWebSocket,
  aeProbingAdapter,
  mediaFolder,
  memoryTokens,
  pairedPanelToken,
  premiereRig,
  realLookup,
  type MediaFolder,
} from './helpers.ts';

let t: TestDaemon;
let media: MediaFolder;
let token: string;

// 1 s at 23.976 fps = round(24000/1001) = 24 frames lasting 24 x 1001/24000 = 1.001 s; small frames keep
// the real transformer quick.
const WALK = { seconds: 1, fps: '23.976', width: 64, height: 48, points: 2 };
const FRAMES = 24;
const DURATION = (FRAMES * 1001) / 24000;

beforeAll(async () => {
  // The real effect context: latent-walk runs the Magenta style models from the model manager.
  t = await startTestDaemon({ createContext: undefined });
  media = mediaFolder();
  token = await pairedPanelToken(t);
}, 120_000);

afterAll(async () => {
  await t?.stop();
  media?.remove();
});

async function generate(adapter: HostAdapter, controller?: PanelController) {
  const c =
    controller ??
    new PanelController({
      adapter,
      tokens: memoryTokens(token),
      url: t.daemon.url,
      WebSocket: NodeWebSocket,
    });
  await c.connect();
  expect(c.state.connection).toBe('connected');
  c.selectEffect('latent-walk');
  for (const [k, v] of Object.entries(WALK)) expect(c.setValue(k, v), k).toBe(true);
  const rows = await c.apply();
  const label = c.state.effects.find((e) => e.id === 'latent-walk')!.label;
  c.dispose();
  return { rows, label, message: c.state.message };
}

/** The render, checked on its own: next to the project, the exact frame count and rate. */
async function checkRender(output: string) {
  expect(dirname(output)).toBe(media.dir);
  expect(output).toMatch(/mlxv-latent-walk-\d{8}-\d{6}\.mov$/);
  const info = await probeMedia(output);
  expect(info.frameCount).toBe(FRAMES);
  expect(info.frameRate).toEqual({ num: 24000, den: 1001 });
}

describe('generated clip from the panels', () => {
  it('Premiere: a new track above all others at the playhead, as long as the render; nothing moves', async () => {
    const rig = premiereRig(t.daemon.url, { token });
    const { project, sequence } = rig.fake;
    project.path = join(media.dir, 'Edit.prproj');
    const street = media.add('wide-street.mp4', 'street-gen.mp4');
    const item = project.addMedia(street, (await realLookup(street))!);
    const v1 = sequence.addClip(0, 'V1 clip', item, { in: 0, out: 4.8, start: 0 });
    const v2 = sequence.addClip(1, 'V2 clip', item, { in: 0, out: 2, start: 3 });
    sequence.playerPosition = 3.5;

    const { rows, label } = await generate(rig.adapter, rig.controller);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'placed', trackIndex: 3 });
    expect(rows[0]!.message).toMatch(/^Placed on new track V4 at 3\.50 s \(1\.00 s long\)$/);
    await checkRender(rows[0]!.output!);

    expect(sequence.videoTracks).toHaveLength(4);
    const [placed, ...others] = sequence.videoTracks[3]!.items;
    expect(others).toEqual([]);
    expect(placed!.startSeconds).toBe(3.5);
    expect(placed!.endSeconds - placed!.startSeconds).toBeCloseTo(DURATION, 9);
    expect(placed!.projectItem.mediaPath).toBe(rows[0]!.output);
    // Nothing existing was moved, cut or overwritten; the edit is one undo step (after the bin's own).
    expect(sequence.shifted).toEqual([]);
    expect(sequence.split).toEqual([]);
    expect(sequence.clobbered).toEqual([]);
    expect([v1.startSeconds, v2.startSeconds]).toEqual([0, 3]);
    expect(project.undoStack.at(-1)).toBe(`mlxvideo: ${label}`);
  }, 300_000);

  it('Premiere: an unsaved project says to save it first and submits nothing', async () => {
    const rig = premiereRig(t.daemon.url, { token });
    const before = (await (await t.connect()).listJobs()).length;
    const { rows, message } = await generate(rig.adapter, rig.controller);
    expect(rows).toEqual([]);
    expect(message).toMatch(/Save the project first/);
    expect((await (await t.connect()).listJobs()).length).toBe(before);
  });

  it('After Effects (UXP): a new top layer at the current time, as long as the render, one undo group', async () => {
    const fake = createFakeAfterEffects({});
    fake.project.file = join(media.dir, 'Motion.aep');
    fake.comp.time = 2.4;
    // The preference puts new layers at the comp start: the adapter must move it to the current time.
    fake.app.createLayersAtCompStart = true;
    const { rows, label } = await generate(aeProbingAdapter(fake, new AfterEffectsAdapter(fake.module)));
    expect(rows[0]).toMatchObject({ status: 'placed', trackIndex: 0 });
    await checkRender(rows[0]!.output!);
    const layer = fake.comp.stack[0]!;
    expect(layer.index).toBe(1);
    expect(layer.startTime).toBe(2.4);
    expect(layer.inPoint).toBe(2.4);
    expect(layer.outPoint - layer.inPoint).toBeCloseTo(DURATION, 9);
    expect(fake.app.undoGroups).toEqual([`mlxvideo: ${label}`]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
  }, 300_000);

  it('After Effects (CEP): the same through the real mlxvideo.jsx, with the other preference', async () => {
    const fake = createFakeExtendScript({ lookup: probeSync });
    fake.project.file = new FakeFile(join(media.dir, 'Motion.aep'));
    fake.comp.time = 1.2;
    fake.app.createLayersAtCompStart = false;
    const cs = new FakeCsInterface((script) => fake.evalScript(script));
    const { rows, label } = await generate(new CepHostAdapter(cs));
    expect(fake.scriptErrors).toEqual([]);
    expect(rows[0]).toMatchObject({ status: 'placed', trackIndex: 0 });
    expect(rows[0]!.message).toMatch(/^Placed on new layer 1 at 1\.20 s/);
    await checkRender(rows[0]!.output!);
    const layer = fake.comp.stack[0]!;
    expect((layer.source as FakeFootageItem).mainSource).toMatchObject({ file: { fsName: rows[0]!.output } });
    expect([layer.startTime, layer.inPoint]).toEqual([1.2, 1.2]);
    expect(layer.outPoint - layer.inPoint).toBeCloseTo(DURATION, 9);
    expect(fake.app.undoGroups).toEqual([`mlxvideo: ${label}`]);
    expect(fake.app.editsOutsideUndoGroup).toEqual([]);
    expect(fake.app.violations).toEqual([]);
    expect(existsSync(rows[0]!.output!)).toBe(true);
  }, 300_000);
});
