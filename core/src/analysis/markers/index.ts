/**
 * Shots as markers for editors: one marker per shot at its first frame, lasting the shot, named
 * "Shot N · scale" with the objects, tags and on-screen text as its comment. Written as:
 *
 * - CSV (RFC 4180): one row per shot, for spreadsheets and scripts;
 * - CMX3600 EDL: one event per shot (source = record = the shot's timecodes) with a `* LOC:` locator line
 *   (Avid's form, which Resolve and Premiere read as markers);
 * - FCPXML 1.10: the file as one asset-clip on a sequence, shots as `<marker>`s on it (see docs/analysis.md
 *   for the structure checked);
 * - OpenTimelineIO JSON (Timeline.1 > Stack.1 > Track.1 > Clip.2 with Marker.2 markers).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { offsetTimecode } from '../../media/timecode.ts';
import type { FileAnalysis, ShotAnalysis } from '../analyze-file.ts';

export interface ShotMarker {
  shot: number;
  frame: number;
  duration: number;
  name: string;
  comment: string;
}

type Shotlike = Omit<ShotAnalysis, 'thumbnail'>;
export type MarkerSource = Omit<FileAnalysis, 'shots' | 'timings'> & { shots: readonly Shotlike[] };

export function shotMarkers(a: MarkerSource): ShotMarker[] {
  return a.shots
    .filter((s) => !s.black)
    .map((s) => ({
      shot: s.shot,
      frame: s.start,
      duration: s.end - s.start + 1,
      name: `Shot ${s.shot}${s.scale ? ` · ${s.scale}` : ''}`,
      comment: describeShot(s),
    }));
}

export function describeShot(s: Shotlike): string {
  const parts = [
    Object.entries(s.objects)
      .map(([k, v]) => `${k} x${v}`)
      .join(', '),
    s.tags.map((t) => t.label).join(', '),
    s.text.length ? `text: ${s.text.join(' / ')}` : '',
    [s.motion.camera, s.lighting?.time].filter(Boolean).join(', '),
  ];
  return parts.filter(Boolean).join('; ');
}

const csvCell = (v: unknown) => {
  const s = String(v ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(a: MarkerSource): string {
  const header = [
    'file',
    'shot',
    'start_frame',
    'end_frame',
    'start_tc',
    'end_tc',
    'transition',
    'scale',
    'motion',
    'light',
    'objects',
    'tags',
    'text',
  ];
  const rows = a.shots.map((s) => [
    a.file,
    s.shot,
    s.start,
    s.end,
    s.startTimecode,
    s.endTimecode,
    s.transitionIn?.kind ?? '',
    s.scale ?? '',
    s.motion.camera,
    s.lighting?.time ?? '',
    Object.entries(s.objects)
      .map(([k, v]) => `${k}:${v}`)
      .join(' '),
    s.tags.map((t) => t.label).join('; '),
    s.text.join(' / '),
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// --- EDL --------------------------------------------------------------------------------------------------

/** Frame number of a timecode label, counted from 00:00:00:00 (drop-frame labels skip their dropped numbers). */
export function timecodeToFrame(tc: string, rate: { num: number; den: number }): number {
  const m = /^(\d\d):(\d\d):(\d\d)([:;])(\d\d)$/.exec(tc);
  if (!m) throw new Error(`not a timecode: ${tc}`);
  const fps = Math.round(rate.num / rate.den);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  let f = (minutes * 60 + Number(m[3])) * fps + Number(m[5]);
  if (m[4] === ';' && fps % 30 === 0) f -= (fps / 30) * 2 * (minutes - Math.floor(minutes / 10));
  return f;
}

export function toEdl(a: MarkerSource, title = path.basename(a.file)): string {
  const drop = a.startTimecode.includes(';');
  const tc = (f: number) => offsetTimecode(a.startTimecode, f, a.frameRate);
  const reel = 'AX';
  const lines = [
    `TITLE: ${title.replace(/[\r\n]/g, ' ')}`,
    `FCM: ${drop ? 'DROP FRAME' : 'NON-DROP FRAME'}`,
    '',
  ];
  const markers = new Map(shotMarkers(a).map((m) => [m.shot, m]));
  a.shots.forEach((s, i) => {
    const inTc = tc(s.start);
    const outTc = tc(s.end + 1); // EDL out points are exclusive
    lines.push(
      `${String(i + 1).padStart(3, '0')}  ${reel.padEnd(8)} V     C        ${inTc} ${outTc} ${inTc} ${outTc}`,
    );
    lines.push(`* FROM CLIP NAME: ${path.basename(a.file)}`);
    const m = markers.get(s.shot);
    if (m) lines.push(`* LOC: ${inTc} YELLOW  ${`${m.name}: ${m.comment}`.replace(/[\r\n]/g, ' ')}`);
    lines.push('');
  });
  return lines.join('\r\n');
}

// --- FCPXML -----------------------------------------------------------------------------------------------

const xml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** `frames` frames as an FCPXML rational time ("den*frames/num s", reduced). */
export function fcpTime(frames: number, rate: { num: number; den: number }): string {
  if (frames === 0) return '0s';
  let n = frames * rate.den;
  let d = rate.num;
  const g = gcd(n, d);
  n /= g;
  d /= g;
  return d === 1 ? `${n}s` : `${n}/${d}s`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function toFcpxml(a: MarkerSource): string {
  const name = path.basename(a.file);
  const r = a.frameRate;
  const dur = fcpTime(a.frameCount, r);
  const tcFormat = a.startTimecode.includes(';') ? 'DF' : 'NDF';
  const start = fcpTime(timecodeToFrame(a.startTimecode, r), r);
  const markers = shotMarkers(a)
    .map(
      (m) =>
        `            <marker start="${fcpTime(timecodeToFrame(a.startTimecode, r) + m.frame, r)}" duration="${fcpTime(m.duration, r)}" value="${xml(m.name)}" note="${xml(m.comment)}"/>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" frameDuration="${fcpTime(1, r)}" width="${a.width}" height="${a.height}"/>
    <asset id="r2" name="${xml(name)}" start="${start}" duration="${dur}" hasVideo="1" format="r1">
      <media-rep kind="original-media" src="${xml(pathToFileURL(a.file).href)}"/>
    </asset>
  </resources>
  <library>
    <event name="mlxvideo analysis">
      <project name="${xml(name)} shots">
        <sequence format="r1" duration="${dur}" tcStart="${start}" tcFormat="${tcFormat}">
          <spine>
            <asset-clip ref="r2" name="${xml(name)}" offset="${start}" start="${start}" duration="${dur}" format="r1" tcFormat="${tcFormat}">
${markers}
            </asset-clip>
          </spine>
        </sequence>
      </project>
    </event>
  </library>
</fcpxml>
`;
}

// --- OpenTimelineIO ---------------------------------------------------------------------------------------

const rt = (value: number, rate: number) => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
const range = (start: number, duration: number, rate: number) => ({
  OTIO_SCHEMA: 'TimeRange.1',
  duration: rt(duration, rate),
  start_time: rt(start, rate),
});

export function toOtio(a: MarkerSource): string {
  const rate = a.frameRate.num / a.frameRate.den;
  const base = timecodeToFrame(a.startTimecode, a.frameRate);
  const name = path.basename(a.file);
  const markers = shotMarkers(a).map((m) => ({
    OTIO_SCHEMA: 'Marker.2',
    metadata: { mlxvideo: { shot: m.shot } },
    name: m.name,
    color: 'YELLOW',
    comment: m.comment,
    marked_range: range(base + m.frame, m.duration, rate),
  }));
  const clip = {
    OTIO_SCHEMA: 'Clip.2',
    metadata: {},
    name,
    source_range: range(base, a.frameCount, rate),
    effects: [],
    markers,
    enabled: true,
    media_references: {
      DEFAULT_MEDIA: {
        OTIO_SCHEMA: 'ExternalReference.1',
        metadata: {},
        name,
        available_range: range(base, a.frameCount, rate),
        available_image_bounds: null,
        target_url: pathToFileURL(a.file).href,
      },
    },
    active_media_reference_key: 'DEFAULT_MEDIA',
  };
  const timeline = {
    OTIO_SCHEMA: 'Timeline.1',
    metadata: {},
    name: `${name} shots`,
    global_start_time: rt(base, rate),
    tracks: {
      OTIO_SCHEMA: 'Stack.1',
      metadata: {},
      name: 'tracks',
      source_range: null,
      effects: [],
      markers: [],
      enabled: true,
      children: [
        {
          OTIO_SCHEMA: 'Track.1',
          metadata: {},
          name: 'V1',
          source_range: null,
          effects: [],
          markers: [],
          enabled: true,
          kind: 'Video',
          children: [clip],
        },
      ],
    },
  };
  return JSON.stringify(timeline, null, 2) + '\n';
}

/** Writes <name>.shots.{csv,edl,fcpxml,otio} into `folder`; returns the paths. */
export function writeMarkerFiles(a: MarkerSource, folder: string): string[] {
  const stem = path.join(folder, path.basename(a.file).replace(/\.[^.]+$/, ''));
  const out: [string, string][] = [
    [`${stem}.shots.csv`, toCsv(a)],
    [`${stem}.shots.edl`, toEdl(a)],
    [`${stem}.shots.fcpxml`, toFcpxml(a)],
    [`${stem}.shots.otio`, toOtio(a)],
  ];
  for (const [p, text] of out) writeFileSync(p, text);
  return out.map(([p]) => p);
}
