/**
 * `mlxv search` queries over a library index. A query is free words plus filters:
 *
 *   words            match tags (and their synonyms), object names, on-screen text and descriptive words
 *                    (scale, camera motion, day/night, key); porter-stemmed ("cars" finds "car")
 *   scale:close-up   extreme-close-up | close-up | medium-close-up | medium | wide | extreme-wide
 *                    (also ecu, cu, mcu, ms, ws, ews)
 *   objects:car>=2   a COCO object seen at least (>=, >, =, <=, <) this many times at once; objects:car is >=1;
 *                    write spaces as _ (objects:traffic_light)
 *   text:"EXIT"      on-screen text containing the phrase
 *   tag:dog          an ImageNet tag
 *   light:night      night | day | low | high | normal (key)
 *   motion:static    static | pan | tilt | zoom | handheld
 *   file:street      the file path contains this
 *
 * Ranking: with words or text:/tag: filters, SQLite FTS5's bm25 (objects and on-screen text weigh twice as
 * much as tags, which are guesses of a 1000-class classifier); otherwise shots with more of the filtered
 * objects first, then by file and shot order. Black shots are never returned.
 *
 * Semantic search (`semanticSearch`, when CLIP encoders are installed and the index holds embeddings of that
 * model): the free words are one sentence for CLIP's text encoder, and shots rank by the cosine similarity of
 * its embedding with each shot's image embedding; the filters apply as above.
 */
import { JobError } from '../pipeline/types.ts';
import type { LibraryIndex, StoredShot } from './library-index.ts';
import { SHOT_SCALES } from './shot-scale.ts';
import { dot, embedText, type ClipEncoders } from './clip/encoders.ts';

export interface SearchResult {
  file: string;
  shot: number;
  startFrame: number;
  endFrame: number;
  startTimecode: string;
  endTimecode: string;
  tags: string[];
  objects: Record<string, number>;
  text: string[];
  scale: string | null;
  motion: string;
  light: string | null;
  thumbnail: string | null;
  score: number;
}

const SCALE_ALIASES: Record<string, string> = {
  ecu: 'extreme-close-up',
  cu: 'close-up',
  closeup: 'close-up',
  mcu: 'medium-close-up',
  ms: 'medium',
  ws: 'wide',
  ews: 'extreme-wide',
};
const MOTIONS = ['static', 'pan', 'tilt', 'zoom', 'handheld'];

interface Parsed {
  fts: string[];
  /** The free words as typed (no filters), for the CLIP text encoder. */
  freeText: string[];
  where: string[];
  params: unknown[];
  objectLabels: string[];
}

/** Splits on spaces outside double quotes. */
function tokens(query: string): string[] {
  return query.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');
/** An FTS5 phrase: double quotes doubled inside, so any user text is a literal phrase, never syntax. */
const phrase = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function parseQuery(query: string): Parsed {
  const out: Parsed = { fts: [], freeText: [], where: [], params: [], objectLabels: [] };
  for (const tok of tokens(query)) {
    const m = /^([a-z]+):(.+)$/i.exec(tok);
    if (!m) {
      out.freeText.push(unquote(tok));
      for (const w of unquote(tok)
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean))
        out.fts.push(`${phrase(w)}*`);
      continue;
    }
    const key = m[1]!.toLowerCase();
    const value = unquote(m[2]!);
    switch (key) {
      case 'scale': {
        const scale = SCALE_ALIASES[value.toLowerCase()] ?? value.toLowerCase();
        if (!SHOT_SCALES.includes(scale as never)) {
          throw bad(`unknown scale "${value}"`, `use one of ${SHOT_SCALES.join(', ')}`);
        }
        out.where.push('s.scale = ?');
        out.params.push(scale);
        break;
      }
      case 'objects':
      case 'object': {
        const om = /^([^<>=]+?)(>=|<=|=|>|<)?(\d+)?$/.exec(value);
        if (!om || (om[2] && !om[3]))
          throw bad(`cannot read "${tok}"`, 'write objects:car or objects:car>=2');
        const label = om[1]!.replace(/_/g, ' ').toLowerCase();
        const op = om[2] ?? '>=';
        const n = om[3] ? Number(om[3]) : 1;
        out.where.push(
          `EXISTS (SELECT 1 FROM shot_objects o WHERE o.shot_id = s.id AND o.label = ? AND o.count ${op} ?)`,
        );
        out.params.push(label, n);
        out.objectLabels.push(label);
        break;
      }
      case 'text':
        out.fts.push(`text : ${phrase(value)}`);
        break;
      case 'tag':
        out.fts.push(`tags : ${phrase(value)}*`);
        break;
      case 'light': {
        const v = value.toLowerCase();
        if (v === 'night' || v === 'day') out.where.push('s.time_of_day = ?');
        else if (v === 'low' || v === 'high' || v === 'normal') out.where.push('s.light_key = ?');
        else throw bad(`unknown light "${value}"`, 'use night, day, low, high or normal');
        out.params.push(v);
        break;
      }
      case 'motion': {
        const v = value.toLowerCase();
        if (!MOTIONS.includes(v)) throw bad(`unknown motion "${value}"`, `use one of ${MOTIONS.join(', ')}`);
        out.where.push('s.camera = ?');
        out.params.push(v);
        break;
      }
      case 'file':
        out.where.push("f.path LIKE ? ESCAPE '\\'");
        out.params.push(`%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        break;
      default:
        throw bad(
          `unknown filter "${key}:"`,
          'filters: scale:, objects:, text:, tag:, light:, motion:, file:',
        );
    }
  }
  return out;
}

function bad(message: string, hint: string): JobError {
  return new JobError('BAD_PARAM', `search: ${message}`, hint);
}

interface Row {
  path: string;
  shot: number;
  start_frame: number;
  end_frame: number;
  start_tc: string;
  end_tc: string;
  data: string;
  thumbnail_path: string | null;
  rank: number;
}

export function search(index: LibraryIndex, query: string, limit = 50): SearchResult[] {
  const q = parseQuery(query);
  const useFts = q.fts.length > 0;
  const objectSum = q.objectLabels.length
    ? `(SELECT COALESCE(SUM(count), 0) FROM shot_objects o WHERE o.shot_id = s.id AND o.label IN (${q.objectLabels.map(() => '?').join(',')}))`
    : '0';
  const sql = `
    SELECT f.path, s.shot, s.start_frame, s.end_frame, s.start_tc, s.end_tc, s.data, s.thumbnail_path,
           ${useFts ? 'bm25(shot_text, 1.0, 2.0, 2.0, 0.5)' : `-${objectSum}`} AS rank
    FROM shots s JOIN files f ON f.id = s.file_id
    ${useFts ? 'JOIN shot_text ON shot_text.rowid = s.id' : ''}
    WHERE s.black = 0 ${useFts ? 'AND shot_text MATCH ?' : ''} ${q.where.map((w) => `AND ${w}`).join(' ')}
    ORDER BY rank, f.path, s.shot
    LIMIT ?`;
  const params = [
    ...(useFts ? [] : q.objectLabels),
    ...(useFts ? [q.fts.join(' AND ')] : []),
    ...q.params,
    limit,
  ];
  const rows = index.db.prepare(sql).all(...params) as Row[];
  return rows.map((r) => toResult(r, -r.rank));
}

/**
 * Shots ranked by CLIP similarity between the query's free words and each shot's image embedding (score =
 * cosine, -1..1), filters applied. Refused with the fix when the query has no free words or the index holds
 * no embeddings of these encoders.
 */
export async function semanticSearch(
  index: LibraryIndex,
  query: string,
  encoders: ClipEncoders,
  limit = 50,
): Promise<SearchResult[]> {
  const q = parseQuery(query);
  const sentence = q.freeText.join(' ').trim();
  if (!sentence) {
    throw bad(
      'semantic search needs words to compare with the pictures',
      'add free words, e.g. "a street at night"',
    );
  }
  const stored = index.embeddingModels();
  if (!stored.some((m) => m.model === encoders.modelId)) {
    throw bad(
      `the index ${index.file} holds no CLIP embeddings of ${encoders.modelId}` +
        (stored.length ? ` (it has ${stored.map((m) => m.model).join(', ')})` : ''),
      `run \`mlxv analyze <files> --index ${index.file}\` again with the CLIP models installed`,
    );
  }
  const textVector = await embedText(encoders, sentence);
  const sql = `
    SELECT f.path, s.shot, s.start_frame, s.end_frame, s.start_tc, s.end_tc, s.data, s.thumbnail_path, e.vector
    FROM shots s JOIN files f ON f.id = s.file_id JOIN shot_embeddings e ON e.shot_id = s.id
    WHERE s.black = 0 AND e.model = ? ${q.where.map((w) => `AND ${w}`).join(' ')}`;
  const rows = index.db.prepare(sql).all(encoders.modelId, ...q.params) as (Row & { vector: Buffer })[];
  return rows
    .map((r) => {
      const v = new Float32Array(
        r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength),
      );
      return { r, score: dot(textVector, v) };
    })
    .sort((a, b) => b.score - a.score || a.r.path.localeCompare(b.r.path) || a.r.shot - b.r.shot)
    .slice(0, limit)
    .map(({ r, score }) => toResult(r, score));
}

function toResult(r: Omit<Row, 'rank'>, score: number): SearchResult {
  const s = JSON.parse(r.data) as StoredShot;
  return {
    file: r.path,
    shot: r.shot,
    startFrame: r.start_frame,
    endFrame: r.end_frame,
    startTimecode: r.start_tc,
    endTimecode: r.end_tc,
    tags: s.tags.map((t) => t.label),
    objects: s.objects,
    text: s.text,
    scale: s.scale,
    motion: s.motion.camera,
    light: s.lighting?.time ?? null,
    thumbnail: r.thumbnail_path,
    score,
  };
}
