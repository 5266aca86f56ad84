/**
 * End to end through the real CLI on real footage: `mlxv analyze <folder> --index --json --sheet --markers`
 * on a folder holding the cut clip (street | close-up | street), the text clip (footballers with "unicef" on
 * a shirt | a printed page) and a damaged file; then `mlxv search` for a tag, a text and a filter query; the
 * incremental re-run (no model touched), the refusals (newer index, foreign file), the lock wait, the
 * schema migration, and the contact sheet rendered in headless Chromium.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeLibrary } from '../../core/src/analysis/analyze-library.ts';
import { LibraryIndex, SCHEMA_VERSION } from '../../core/src/analysis/library-index.ts';
import { search } from '../../core/src/analysis/search.ts';
import type { EffectContext } from '../../core/src/effects/types.ts';
import { mlxv, type CliResult } from '../cli/helpers.ts';
import { makeClips, makeTextClip } from './clips.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

let dir: string;
let media: string;
let lib: string;
let cutClip: string;
let textClip: string;
let first: CliResult;
interface JsonFile {
  file: string;
  status: string;
  error?: string;
  shots?: {
    areas: Record<string, number>;
    shot: number;
    start: number;
    end: number;
    scale: string | null;
    objects: Record<string, number>;
    text: string[];
    tags: { label: string }[];
  }[];
}
let files: JsonFile[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-library-'));
  media = join(dir, 'media');
  mkdirSync(media);
  const clips = makeClips(join(dir, 'made'));
  cutClip = join(media, 'cut.mp4');
  textClip = join(media, 'text.mp4');
  copyFileSync(clips.cut, cutClip);
  copyFileSync(makeTextClip(join(dir, 'made')), textClip);
  writeFileSync(join(media, 'damaged.mp4'), 'this is not a video\n');
  lib = join(dir, 'lib.db');
  first = await mlxv([
    'analyze',
    media,
    '--index',
    lib,
    '--json',
    '--sheet',
    join(dir, 'sheet.html'),
    '--markers',
    join(dir, 'markers'),
  ]);
  files = (JSON.parse(first.stdout) as { files: JsonFile[] }).files;
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const analysed = (name: string) => files.find((f) => f.file.endsWith(name))!;

describe('mlxv analyze', () => {
  it('reports the damaged file, skips it and analyses the rest', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/skipped .*damaged\.mp4/);
    expect(analysed('damaged.mp4').status).toBe('failed');
    expect(analysed('cut.mp4').status).toBe('analysed');
    expect(analysed('text.mp4').status).toBe('analysed');
    expect(first.stderr).toMatch(/ETA/);
  });

  it('finds the shots, people on the street with a plausible count, and shot scales', () => {
    const cut = analysed('cut.mp4').shots!;
    expect(cut.map((s) => [s.start, s.end])).toEqual([
      [0, 47],
      [48, 83],
      [84, 121],
    ]);
    // wide-street shows 5 to 8 people walking (test/fixtures/README.md).
    expect(cut[0]!.objects.person).toBeGreaterThanOrEqual(4);
    expect(cut[0]!.objects.person).toBeLessThanOrEqual(10);
    expect(cut[1]!.objects.person).toBe(1);
    expect(cut[1]!.scale).toBe('close-up');
    // DeepLabv3: the astronaut fills a large part of the close-up, and is a small part of the street.
    expect(cut[1]!.areas.person).toBeGreaterThan(0.2);
    expect(cut[0]!.areas.person ?? 0).toBeLessThan(0.1);
    expect(['wide', 'extreme-wide']).toContain(cut[0]!.scale);
  });

  it('reads printed text in real pictures', () => {
    const text = analysed('text.mp4').shots!;
    expect(text).toHaveLength(2);
    expect(text[0]!.text.join(' ').toLowerCase()).toContain('unicef');
    expect(text[1]!.text.join(' ')).toMatch(/real-world images/);
  });
});

describe('mlxv search', () => {
  // One query through the real CLI (names and shape of the JSON scripts rely on); the rest in-process.
  const find = (query: string) => {
    const index = LibraryIndex.open(lib, { readonly: true });
    try {
      return search(index, query);
    } finally {
      index.close();
    }
  };

  it('prints results as JSON with file, shot, frames, timecodes, tags and text', async () => {
    const r = await mlxv(['search', 'soccer', '--index', lib, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(Object.keys(results[0]!)).toEqual(
      expect.arrayContaining([
        'file',
        'shot',
        'startFrame',
        'endFrame',
        'startTimecode',
        'endTimecode',
        'tags',
        'text',
      ]),
    );
    expect(results[0]).toMatchObject({ shot: 1, startFrame: 0, endFrame: 14 });
  });

  it('puts the right shot first for a tag, a text and a filter query', () => {
    const tag = find('soccer');
    expect(tag[0]).toMatchObject({ shot: 1, startFrame: 0, endFrame: 14 });
    expect(tag[0]!.file).toMatch(/text\.mp4$/);

    const text = find('text:"unicef"');
    expect(text).toHaveLength(1);
    expect(text[0]!.file).toMatch(/text\.mp4$/);
    expect(text[0]).toMatchObject({ shot: 1, startTimecode: '00:00:00:00', endTimecode: '00:00:01:04' });

    const words = find('real-world projects');
    expect(words[0]).toMatchObject({ shot: 2, startFrame: 15, endFrame: 29 });

    const closeUp = find('scale:close-up');
    expect(closeUp[0]!.file).toMatch(/cut\.mp4$/);
    expect(closeUp[0]).toMatchObject({ shot: 2, startFrame: 48, endFrame: 83 });

    const crowd = find('objects:person>=3 motion:static');
    expect(crowd.map((r) => r.shot).sort()).toEqual([1, 3]);
    expect(crowd.every((r) => r.file.endsWith('cut.mp4'))).toBe(true);
  });

  it('says what is wrong with a bad filter', async () => {
    const r = await mlxv(['search', 'scale:huge', '--index', lib]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scale "huge"/);
  });
});

describe('the library index', () => {
  it('skips unchanged files without touching a model', async () => {
    let sessionsAsked = 0;
    const ctx = {
      sessions: {
        get: () => {
          sessionsAsked++;
          throw new Error('no model should load for unchanged files');
        },
        dispose: async () => undefined,
      },
      models: {},
    } as unknown as EffectContext;
    const index = LibraryIndex.open(lib);
    try {
      const outcomes = await analyzeLibrary([cutClip, textClip], ctx, { index });
      expect(outcomes.map((o) => o.status)).toEqual(['unchanged', 'unchanged']);
      expect(sessionsAsked).toBe(0);
    } finally {
      index.close();
    }
    const again = await mlxv(['analyze', cutClip, '--index', lib]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/unchanged since it was indexed, skipped/);
  });

  it('refuses an index from a newer version, and a file that is not an index, leaving both untouched', async () => {
    const newer = join(dir, 'newer.db');
    copyFileSync(lib, newer);
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(newer);
    const r = await mlxv(['search', 'soccer', '--index', newer]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/written by a newer mlxvideo/);
    expect(() => LibraryIndex.open(newer)).toThrow(/written by a newer mlxvideo/);
    expect(readFileSync(newer).equals(before)).toBe(true);

    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes\n');
    expect(() => LibraryIndex.open(notes)).toThrow(/not an mlxvideo library index/);
    expect(readFileSync(notes, 'utf8')).toBe('my notes\n');
  });

  it('waits for another process holding the index, or says it is locked', async () => {
    const locked = join(dir, 'locked.db');
    copyFileSync(lib, locked);
    // Another process takes the write lock for 1.5 s.
    const holder = fork(here('./hold-lock.ts'), [locked, '1500'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const analysis = JSON.parse(first.stdout).files.find((f: JsonFile) => f.file.endsWith('cut.mp4'));
    const impatient = LibraryIndex.open(locked, { busyTimeoutMs: 200 });
    expect(() => impatient.store({ ...analysis, file: join(dir, 'x.mp4') }, 'h1')).toThrow(
      /locked by another process/,
    );
    impatient.close();
    const patient = LibraryIndex.open(locked, { busyTimeoutMs: 20_000 });
    const t0 = Date.now();
    patient.store({ ...analysis, file: join(dir, 'y.mp4') }, 'h2');
    expect(Date.now() - t0).toBeGreaterThan(300); // it did wait for the holder
    expect(patient.fileCount()).toBe(3);
    patient.close();
    await new Promise((resolve) => holder.on('exit', resolve));
  });

  it('migrates an index of an older schema, keeping its shots searchable', () => {
    const old = join(dir, 'old.db');
    LibraryIndex.createAtVersion(old, 1);
    const src = new Database(lib, { readonly: true });
    const dst = new Database(old);
    const file = src.prepare('SELECT * FROM files LIMIT 1').get() as Record<string, unknown>;
    dst
      .prepare(
        `INSERT INTO files (${Object.keys(file).join(',')}) VALUES (${Object.keys(file)
          .map(() => '?')
          .join(',')})`,
      )
      .run(...Object.values(file));
    for (const s of src.prepare('SELECT * FROM shots WHERE file_id = ?').all(file.id) as Record<
      string,
      unknown
    >[]) {
      dst
        .prepare(
          `INSERT INTO shots (${Object.keys(s).join(',')}) VALUES (${Object.keys(s)
            .map(() => '?')
            .join(',')})`,
        )
        .run(...Object.values(s));
    }
    src.close();
    dst.close();
    const index = LibraryIndex.open(old);
    expect(index.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const any = search(index, '');
    expect(any.length).toBeGreaterThan(0);
    const first = any[0]!;
    expect(search(index, first.tags[0] ?? first.text[0]!.split(' ')[0]!).length).toBeGreaterThan(0);
    index.close();
  });
});

describe('the contact sheet', () => {
  it('is one self-contained page that renders thumbnails, timecodes and tags, and filters offline', async () => {
    const sheet = join(dir, 'sheet.html');
    const html = readFileSync(sheet, 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/)/);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--headless'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(pathToFileURL(sheet).href);
      const cards = page.locator('article.shot');
      expect(await cards.count()).toBe(5);
      const loaded = await page.$$eval('article.shot img', (imgs) =>
        imgs.map((i) => (i as HTMLImageElement).naturalWidth),
      );
      expect(loaded).toEqual([320, 320, 320, 320, 320]);
      await expect.poll(() => page.locator('.tc').first().textContent()).toMatch(/00:00:00:00/);
      const shots = join(here('.'), '__screenshots__');
      mkdirSync(shots, { recursive: true });
      const png = join(shots, 'contact-sheet.png');
      await page.screenshot({ path: png, fullPage: true });
      // The screenshot shows pictures (thumbnails are textured, not the flat page background) and tag chips.
      const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
      const box = await cards.first().locator('img').boundingBox();
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (let y = Math.ceil(box!.y); y < box!.y + box!.height; y++) {
        for (let x = Math.ceil(box!.x); x < box!.x + box!.width; x++) {
          const v = data[y * info.width + x]!;
          sum += v;
          sq += v * v;
          n++;
        }
      }
      expect(Math.sqrt(sq / n - (sum / n) ** 2)).toBeGreaterThan(20);
      expect(await page.locator('.tag').count()).toBeGreaterThan(0);

      await page.fill('#q', 'unicef');
      await expect.poll(() => page.locator('article.shot:not([hidden])').count()).toBe(1);
      expect(await page.locator('#count').textContent()).toBe('1 of 5 shots');
      await page.screenshot({ path: join(shots, 'contact-sheet-search.png') });
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(statSync(sheet).size).toBeGreaterThan(20_000);
  });
});
