/**
 * Shared set-up for the panel tests: a real daemon (test/daemon/helpers.ts), a copy of a real fixture
 * clip in a temp folder (renders are written next to their media), a fake Premiere whose "disk" is the
 * real file system probed with the real media probe, and the real PanelController wired to them.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { premierepro } from '@adobe/premierepro';
import type { WebSocketConstructor } from '../../core/src/client/client.ts';
import { probeMedia } from '../../core/src/media/probe.ts';
import { PanelController, type TokenStore } from '../../core/src/panel/panel-controller.ts';
import type { HostAdapter } from '../../core/src/panel/host-adapter.ts';
import type { AfterEffectsAdapter } from '../../plugin-aftereffects/src/ae-adapter.ts';
import { PremiereAdapter } from '../../plugin-premiere/src/premiere-adapter.ts';
import { fixture } from '../support/paths.ts';
import { createFakePremiere, type FakeMediaInfo, type FakePremiere } from './fakes/premierepro.ts';

export { fixture };

/** Node 20 has no global WebSocket; the panel gets the `ws` class the way UXP gets its global. */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export function memoryTokens(initial: string | null = null): TokenStore & { value: string | null } {
  const store = {
    value: initial,
    load: () => store.value,
    save: (t: string) => void (store.value = t),
    clear: () => void (store.value = null),
  };
  return store;
}

/** The fake's disk: real files, probed for real (a missing file cannot be imported). */
export async function realLookup(path: string): Promise<FakeMediaInfo | null> {
  if (!existsSync(path)) return null;
  const info = await probeMedia(path);
  const fps = info.frameRate.num / info.frameRate.den;
  return { durationSeconds: info.frameCount / fps, frameRate: fps };
}

export interface MediaFolder {
  dir: string;
  /** Copies a fixture into the folder and returns its path. */
  add(fixtureName: string, as?: string): string;
  remove(): void;
}

export function mediaFolder(): MediaFolder {
  const dir = mkdtempSync(join(tmpdir(), 'mlxv-panel-media-'));
  return {
    dir,
    add(name, as = name) {
      const dest = join(dir, as);
      copyFileSync(fixture(name), dest);
      return dest;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface PremiereRig {
  fake: FakePremiere;
  adapter: PremiereAdapter;
  controller: PanelController;
  tokens: ReturnType<typeof memoryTokens>;
}

export function premiereRig(
  url: string,
  options: { token?: string | null; handleFrames?: number } = {},
): PremiereRig {
  const fake = createFakePremiere({ lookup: realLookup });
  // The one cast: the fake stands in for the official module at the injection point.
  const adapter = new PremiereAdapter(fake.module as unknown as premierepro);
  const tokens = memoryTokens(options.token ?? null);
  const controller = new PanelController({
    adapter,
    tokens,
    url,
    WebSocket: NodeWebSocket,
    handleFrames: options.handleFrames ?? 3,
    now: () => new Date('2026-11-24T12:00:00Z'),
  });
  return { fake, adapter, controller, tokens };
}

/** A session token for `daemon`, paired once through a panel the way a user pairs (a pair code). */
export async function pairedPanelToken(daemon: {
  daemon: { url: string };
  connect(): Promise<{ createPairCode(): Promise<{ code: string }> }>;
}): Promise<string> {
  const { code } = await (await daemon.connect()).createPairCode();
  const rig = premiereRig(daemon.daemon.url);
  await rig.controller.pair(code);
  rig.controller.dispose();
  return rig.tokens.value!;
}

/**
 * The AE UXP adapter with the fake's "disk" filled in first: AE imports synchronously, so each render is
 * probed (the real probe, real files) before the adapter imports it.
 */
export function aeProbingAdapter(
  fake: { known: Record<string, FakeMediaInfo> },
  adapter: AfterEffectsAdapter,
): HostAdapter {
  const probe = async (path: string) => {
    const found = await realLookup(path);
    if (found) fake.known[path] = found;
  };
  return {
    hostName: adapter.hostName,
    getSelectedClips: () => adapter.getSelectedClips(),
    async placeResults(requests, options) {
      for (const r of requests) await probe(r.resultPath);
      return adapter.placeResults(requests, options);
    },
    generatedFolder: () => adapter.generatedFolder(),
    addShotMarkers: (items, options) => adapter.addShotMarkers(items, options),
    addFaceTracks: (items, options) => adapter.addFaceTracks(items, options),
    async placeGenerated(request, options) {
      await probe(request.resultPath);
      return adapter.placeGenerated(request, options);
    },
  };
}
