/**
 * Headless-Chromium entry: the real shared panel (controller + view + PremiereAdapter) over the
 * premierepro fake, talking to a real daemon with Chromium's own WebSocket. The test page provides the
 * config (daemon URL, stored token, the timeline to fake, the files the fake file picker answers) and
 * `mlxvLookup`, which probes real files on the Node side (the fake's "disk").
 */
import type { premierepro } from '@adobe/premierepro';
import { mountPanel } from '../../../core/src/panel/mount.ts';
import { PremiereAdapter } from '../../../plugin-premiere/src/premiere-adapter.ts';
import { createFakePremiere, type FakeMediaInfo } from '../fakes/premierepro.ts';
import { createFakeLocalFileSystem, MemoryStorage } from '../fakes/uxp.ts';
import { uxpFilePicker } from '../../../core/src/panel/file-picker.ts';

interface TestConfig {
  url: string;
  token: string;
  media: { path: string; info: FakeMediaInfo };
  clips: { name: string; track: number; in: number; out: number; start: number }[];
  /** What the fake file picker answers, in order (null = Cancel). */
  pickFiles?: (string | null)[];
}
interface TestWindow {
  mlxvConfig: TestConfig;
  mlxvLookup(path: string): Promise<FakeMediaInfo | null>;
  mlxvFake?: ReturnType<typeof createFakePremiere>;
  mlxvFiles?: ReturnType<typeof createFakeLocalFileSystem>;
}
interface BrowserDocument {
  getElementById(id: string): HTMLLike;
  createElement(tag: string): HTMLLike;
}
interface HTMLLike {
  textContent: string | null;
  readonly firstChild: unknown;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  appendChild(child: HTMLLike): unknown;
  removeChild(child: never): unknown;
  addEventListener(type: string, listener: (event: { target: unknown }) => void): void;
}

const win = globalThis as unknown as TestWindow & { document: BrowserDocument };
const config = win.mlxvConfig;
const fake = createFakePremiere({ lookup: (p) => win.mlxvLookup(p) });
const item = fake.project.addMedia(config.media.path, config.media.info);
fake.sequence.selection = config.clips.map((c) =>
  fake.sequence.addClip(c.track, c.name, item, { in: c.in, out: c.out, start: c.start }),
);
win.mlxvFake = fake;

const files = createFakeLocalFileSystem(config.pickFiles ?? []);
win.mlxvFiles = files;

const storage = new MemoryStorage();
storage.setItem('mlxvideo.daemonToken', config.token);
mountPanel({
  doc: win.document,
  root: win.document.getElementById('mlxvideo-root'),
  adapter: new PremiereAdapter(fake.module as unknown as premierepro),
  storage,
  hostLabel: 'Premiere Pro (fake)',
  url: config.url,
  filePicker: uxpFilePicker(files),
});
