/**
 * Marker exports of real shots (the cut clip's boundaries found by the shot detector, and the 29.97 fps
 * drop-frame fixture), checked against each format's structure:
 *
 * - EDL: CMX3600 event lines (number, reel, V, C, four timecodes), source = record, out exclusive, events
 *   contiguous, one `* LOC:` locator per event at its record in; timecodes compared with values worked out
 *   by hand, not with our own timecode code.
 * - FCPXML 1.10: `xmllint --dtdvalid` against test/analysis/fcpxml/fcpxml-1.10-subset.dtd (Apple's
 *   declarations for the elements we write, or restrictions of them; README.md there says why Apple's file
 *   is not in the repository; FCPXML_DTD=<Apple's FCPXMLv1_10.dtd> also validates against Apple's own),
 *   and what a DTD cannot say: time values are rational seconds "n/ds" or "ns"; marker starts fall on frame
 *   boundaries inside the clip.
 * - OpenTimelineIO: the Timeline.1 > Stack.1 > Track.1 > Clip.2 > Marker.2 schema names and RationalTime /
 *   TimeRange fields; marker ranges equal the shots.
 * - CSV: RFC 4180 quoting survives commas, quotes and newlines in on-screen text.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toCsv, toEdl, toFcpxml, toOtio, type MarkerSource } from '../../core/src/analysis/markers/index.ts';
import { fixture } from '../support/paths.ts';
import { makeClips, shotSource as source } from './clips.ts';

let cut: MarkerSource;
let dropFrame: MarkerSource;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlxv-markers-'));
  const clips = makeClips(dir);
  cut = await source(clips.cut);
  dropFrame = await source(fixture('closeup-2997-tc.mov'));
}, 120_000);

const EVENT = /^(\d{3}) {2}(\S{1,8}) +V {5}C {8}(\d\d:\d\d:\d\d[:;]\d\d) (\S+) (\S+) (\S+)$/;

describe('EDL', () => {
  it('is CMX3600 with one event and one locator per shot at the right timecodes', () => {
    const lines = toEdl(cut).split('\r\n');
    expect(lines[0]).toBe('TITLE: cut.mp4');
    expect(lines[1]).toBe('FCM: NON-DROP FRAME');
    const events = lines.filter((l) => /^\d{3} /.test(l)).map((l) => EVENT.exec(l));
    expect(events.every(Boolean)).toBe(true);
    // 10 fps: frame 48 = 4 s + 8 frames; out points are exclusive.
    expect(events.map((e) => [e![1], e![3], e![4]])).toEqual([
      ['001', '00:00:00:00', '00:00:04:08'],
      ['002', '00:00:04:08', '00:00:08:04'],
      ['003', '00:00:08:04', '00:00:12:02'],
    ]);
    for (const e of events) {
      expect(e![5]).toBe(e![3]); // record in = source in
      expect(e![6]).toBe(e![4]);
    }
    const locs = lines.filter((l) => l.startsWith('* LOC: '));
    expect(locs.map((l) => l.slice(7, 18))).toEqual(['00:00:00:00', '00:00:04:08', '00:00:08:04']);
    expect(locs[1]).toMatch(
      /^\* LOC: 00:00:04:08 YELLOW {2}Shot 2 · wide: person x2; street; text: EXIT, "this way" \/ second line/,
    );
  });

  it('writes drop-frame timecode for a drop-frame source', () => {
    const lines = toEdl(dropFrame).split('\r\n');
    expect(lines[1]).toBe('FCM: DROP FRAME');
    const e = EVENT.exec(lines.find((l) => l.startsWith('001'))!)!;
    // 45 frames at 29.97 from 01:00:00;00 -> out (exclusive) 01:00:01;15.
    expect([e[3], e[4]]).toEqual(['01:00:00;00', '01:00:01;15']);
  });
});

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** A strict little parser for the XML we write (elements, attributes, no text content): throws on anything else. */
function parseXml(text: string): XmlNode {
  const body = text.replace(/^<\?xml[^>]*\?>\s*<!DOCTYPE fcpxml>\s*/, '');
  const tag = /<(\/?)([a-z-]+)((?:\s+[a-zA-Z]+="[^"]*")*)\s*(\/?)>\s*/gy;
  const root: XmlNode = { name: '#root', attrs: {}, children: [] };
  const stack = [root];
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = tag.exec(body))) {
    pos = tag.lastIndex;
    if (m[1]) {
      expect(stack.pop()!.name).toBe(m[2]);
      continue;
    }
    const attrs = Object.fromEntries(
      [...m[3]!.matchAll(/([a-zA-Z]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]),
    );
    const node = { name: m[2]!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(node);
    if (!m[4]) stack.push(node);
  }
  expect(pos).toBe(body.length);
  expect(stack).toHaveLength(1);
  return root.children[0]!;
}

const TIME = /^(\d+)(?:\/(\d+))?s$/;
const seconds = (t: string) => {
  const m = TIME.exec(t);
  expect(m, `time value ${t}`).toBeTruthy();
  return Number(m![1]) / Number(m![2] ?? 1);
};
const only = (n: XmlNode, name: string) => {
  const c = n.children.filter((x) => x.name === name);
  expect(c, `${n.name} > ${name}`).toHaveLength(1);
  return c[0]!;
};

const SUBSET_DTD = join(import.meta.dirname, 'fcpxml', 'fcpxml-1.10-subset.dtd');

/** xmllint's verdict on `text` against `dtd`: its exit status and what it printed. */
function xmllint(text: string, dtd: string, name = 'doc.fcpxml') {
  const file = join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync('xmllint', ['--noout', '--dtdvalid', dtd, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint did not run (${r.error.message}): apt-get install libxml2-utils`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('FCPXML', () => {
  it('is valid against the FCPXML 1.10 DTD (the subset we write) with xmllint', () => {
    for (const [name, text] of [
      ['cut.fcpxml', toFcpxml(cut)],
      ['drop-frame.fcpxml', toFcpxml(dropFrame)],
    ] as const) {
      expect(xmllint(text, SUBSET_DTD, name)).toEqual({ status: 0, output: '' });
    }
    // The validator has teeth: a marker without its required value, a clip pointing at no resource, and
    // a marker outside a clip are each refused.
    const good = toFcpxml(cut);
    const broken = [
      good.replace(/(<marker [^>]*?) value="[^"]*"/, '$1'),
      good.replace('<asset-clip ref="r2"', '<asset-clip ref="r9"'),
      good.replace('<spine>', '<spine><marker start="0s" value="loose"/>'),
    ];
    for (const text of broken) {
      expect(text).not.toBe(good);
      const verdict = xmllint(text, SUBSET_DTD);
      expect(verdict.status).not.toBe(0);
      expect(verdict.output).toMatch(/validity error|does not validate|IDREF/i);
    }
  });

  it.runIf(process.env.FCPXML_DTD)("is valid against Apple's FCPXMLv1_10.dtd ($FCPXML_DTD)", () => {
    expect(xmllint(toFcpxml(cut), process.env.FCPXML_DTD!)).toEqual({ status: 0, output: '' });
  });

  it('follows the FCPXML 1.10 DTD structure with one marker per shot on frame boundaries', () => {
    const root = parseXml(toFcpxml(cut));
    expect(root.name).toBe('fcpxml');
    expect(root.attrs.version).toBe('1.10');
    const resources = only(root, 'resources');
    const format = only(resources, 'format');
    const asset = only(resources, 'asset');
    expect(format.attrs.id).toBeTruthy();
    expect(seconds(format.attrs.frameDuration!)).toBeCloseTo(0.1, 9);
    expect(asset.attrs.id).toBeTruthy();
    expect(asset.attrs.format).toBe(format.attrs.id);
    expect(only(asset, 'media-rep').attrs.src).toMatch(/^file:\/\/\/.*cut\.mp4$/);
    const sequence = only(only(only(only(root, 'library'), 'event'), 'project'), 'sequence');
    expect(sequence.attrs.format).toBe(format.attrs.id);
    const clip = only(only(sequence, 'spine'), 'asset-clip');
    expect(clip.attrs.ref).toBe(asset.attrs.id);
    const start = seconds(clip.attrs.start!);
    const duration = seconds(clip.attrs.duration!);
    expect(duration).toBeCloseTo(12.2, 9);
    const markers = clip.children;
    expect(markers.map((m) => m.name)).toEqual(['marker', 'marker', 'marker']);
    expect(markers.map((m) => seconds(m.attrs.start!) - start)).toEqual([0, 4.8, 8.4]);
    for (const m of markers) {
      expect(m.attrs.value).toMatch(/^Shot \d/);
      const frames = seconds(m.attrs.start!) * 10;
      expect(Math.abs(frames - Math.round(frames))).toBeLessThan(1e-9);
      expect(seconds(m.attrs.start!) + seconds(m.attrs.duration!)).toBeLessThanOrEqual(
        start + duration + 1e-9,
      );
    }
    expect(markers[1]!.attrs.note).toContain('EXIT, &quot;this way&quot;');
  });

  it('uses the timecode origin and DF format of a drop-frame source', () => {
    const clip = only(
      only(
        only(only(only(only(parseXml(toFcpxml(dropFrame)), 'library'), 'event'), 'project'), 'sequence'),
        'spine',
      ),
      'asset-clip',
    );
    expect(clip.attrs.tcFormat).toBe('DF');
    // 01:00:00;00 DF = frame 107892 at 30000/1001 fps = 3599.6 s.
    expect(seconds(clip.attrs.start!)).toBeCloseTo((107892 * 1001) / 30000, 9);
  });
});

describe('OpenTimelineIO', () => {
  it('nests Timeline > Stack > Track > Clip with one Marker.2 per shot', () => {
    const t = JSON.parse(toOtio(cut));
    expect(t.OTIO_SCHEMA).toBe('Timeline.1');
    expect(t.tracks.OTIO_SCHEMA).toBe('Stack.1');
    const track = t.tracks.children[0];
    expect(track).toMatchObject({ OTIO_SCHEMA: 'Track.1', kind: 'Video' });
    const clip = track.children[0];
    expect(clip.OTIO_SCHEMA).toBe('Clip.2');
    expect(clip.media_references[clip.active_media_reference_key].OTIO_SCHEMA).toBe('ExternalReference.1');
    expect(clip.source_range).toMatchObject({
      OTIO_SCHEMA: 'TimeRange.1',
      duration: { OTIO_SCHEMA: 'RationalTime.1', value: 122, rate: 10 },
    });
    expect(
      clip.markers.map(
        (m: {
          OTIO_SCHEMA: string;
          marked_range: { start_time: { value: number }; duration: { value: number } };
        }) => [m.OTIO_SCHEMA, m.marked_range.start_time.value, m.marked_range.duration.value],
      ),
    ).toEqual([
      ['Marker.2', 0, 48],
      ['Marker.2', 48, 36],
      ['Marker.2', 84, 38],
    ]);
  });
});

describe('CSV', () => {
  it('has a header and one RFC 4180 row per shot', () => {
    const csv = toCsv(cut);
    const rows: string[][] = [];
    let row: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < csv.length; i++) {
      const c = csv[i]!;
      if (quoted) {
        if (c === '"' && csv[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cell += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        row.push(cell);
        cell = '';
      } else if (c === '\r' && csv[i + 1] === '\n') {
        row.push(cell);
        rows.push(row);
        row = [];
        cell = '';
        i++;
      } else cell += c;
    }
    expect(rows[0]!.slice(0, 6)).toEqual(['file', 'shot', 'start_frame', 'end_frame', 'start_tc', 'end_tc']);
    expect(rows.slice(1).map((r) => [r[1], r[2], r[3]])).toEqual([
      ['1', '0', '47'],
      ['2', '48', '83'],
      ['3', '84', '121'],
    ]);
    expect(rows[2]![12]).toBe('EXIT, "this way" / second line');
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
  });
});
