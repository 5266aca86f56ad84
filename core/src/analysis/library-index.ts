/**
 * The footage library: one SQLite file (better-sqlite3) holding files, shots, per-shot object counts and an
 * FTS5 index over tags, objects, on-screen text and the shot's descriptive words (scale, motion, light).
 *
 * - Versioned: `PRAGMA user_version` is the schema version; MIGRATIONS[i] takes a file from version i to
 *   i+1 inside one transaction, so an index written by an older mlxvideo is upgraded on open. A file whose
 *   version is newer than this build knows is refused (it may hold data we would damage), as is a file that
 *   is not one of our indexes (never overwritten).
 * - Incremental: a file is analysed again only when its content hash or ANALYSIS_VERSION changed
 *   (`isCurrent`). The content hash is the sha256 of the size and the first and last 16 MB (the whole file
 *   below 48 MB): cheap on hours of rushes, and any re-encode or trim changes it.
 * - Concurrency: WAL journal; a writer waits for another process's write lock up to `busyTimeoutMs`
 *   (SQLite's busy_timeout, default 10 s) and then fails with a message naming the index.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { JobError } from '../pipeline/types.ts';
import type { FileAnalysis, ShotAnalysis } from './analyze-file.ts';

type DB = Database.Database;

export const SCHEMA_VERSION = 3;
const APP_ID = 'mlxvideo-library';

/** MIGRATIONS[v] upgrades a version-v file to v+1. */
const MIGRATIONS: ((db: DB) => void)[] = [
  // 0 -> 1: files and shots.
  (db) => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE files (
        id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, content_hash TEXT NOT NULL,
        analysis_version INTEGER NOT NULL, width INTEGER, height INTEGER, fps_num INTEGER, fps_den INTEGER,
        frame_count INTEGER, start_tc TEXT, analysed_at TEXT NOT NULL);
      CREATE TABLE shots (
        id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        shot INTEGER NOT NULL, start_frame INTEGER NOT NULL, end_frame INTEGER NOT NULL,
        start_tc TEXT NOT NULL, end_tc TEXT NOT NULL, black INTEGER NOT NULL, scale TEXT, camera TEXT,
        time_of_day TEXT, light_key TEXT, faces INTEGER NOT NULL, data TEXT NOT NULL, thumbnail BLOB,
        thumbnail_path TEXT);
      CREATE TABLE shot_objects (shot_id INTEGER NOT NULL REFERENCES shots(id) ON DELETE CASCADE,
        label TEXT NOT NULL, count INTEGER NOT NULL);
      CREATE INDEX shot_objects_label ON shot_objects(label, count);
      CREATE INDEX shots_file ON shots(file_id);
    `);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('app', APP_ID);
  },
  // 1 -> 2: full-text search over tags, objects, on-screen text and descriptive words (porter stemming:
  // "cars" finds "car"), filled from the shots already there.
  (db) => {
    db.exec(
      `CREATE VIRTUAL TABLE shot_text USING fts5(tags, objects, text, words, tokenize = 'porter unicode61')`,
    );
    const rows = db.prepare('SELECT id, data FROM shots').all() as { id: number; data: string }[];
    const insert = db.prepare(
      'INSERT INTO shot_text (rowid, tags, objects, text, words) VALUES (?, ?, ?, ?, ?)',
    );
    for (const r of rows) insert.run(r.id, ...ftsColumns(JSON.parse(r.data) as StoredShot));
  },
  // 2 -> 3: CLIP image embeddings per shot for semantic search (float32 little-endian), tagged with the
  // model pair that made them; older files simply have none until re-analysed with CLIP.
  (db) => {
    db.exec(`
      CREATE TABLE shot_embeddings (
        shot_id INTEGER PRIMARY KEY REFERENCES shots(id) ON DELETE CASCADE,
        model TEXT NOT NULL, vector BLOB NOT NULL);
      CREATE INDEX shot_embeddings_model ON shot_embeddings(model);
    `);
  },
];

/** What `shots.data` holds: the analysis of the shot without its thumbnail bytes. */
export type StoredShot = Omit<ShotAnalysis, 'thumbnail' | 'embedding'>;

export interface OpenOptions {
  busyTimeoutMs?: number;
  readonly?: boolean;
}

export class LibraryIndex {
  private constructor(
    readonly db: DB,
    readonly file: string,
  ) {}

  static open(file: string, options: OpenOptions = {}): LibraryIndex {
    const existed = existsSync(file) && statSync(file).size > 0;
    if (options.readonly && !existed) {
      throw new JobError(
        'INPUT_MISSING',
        `no index at ${file}`,
        'create it with `mlxv analyze <files> --index ' + file + '`',
      );
    }
    if (existed) assertSqlite(file);
    let db: DB;
    try {
      db = new Database(file, { readonly: !!options.readonly, timeout: options.busyTimeoutMs ?? 10_000 });
    } catch (err) {
      throw new JobError(
        'OUTPUT_UNWRITABLE',
        `cannot open the index ${file}: ${(err as Error).message}`,
        'check the folder exists and is writable',
      );
    }
    const index = new LibraryIndex(db, file);
    try {
      index.prepare(existed, !!options.readonly);
    } catch (err) {
      db.close();
      throw lockedOr(err, file, options.busyTimeoutMs ?? 10_000);
    }
    return index;
  }

  private prepare(existed: boolean, readonly: boolean): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (existed) {
      const isOurs =
        version > 0 &&
        (this.db.prepare("SELECT value FROM meta WHERE key = 'app'").get() as { value: string } | undefined)
          ?.value === APP_ID;
      if (!isOurs) {
        throw new JobError(
          'BAD_PARAM',
          `${this.file} is not an mlxvideo library index; it was left untouched`,
          'pass --index a new file name or an index made by `mlxv analyze`',
        );
      }
    }
    if (version > SCHEMA_VERSION) {
      throw new JobError(
        'BAD_PARAM',
        `the index ${this.file} was written by a newer mlxvideo (schema ${version}; this one reads up to ${SCHEMA_VERSION}); it was left untouched`,
        'upgrade mlxvideo, or pass --index a new file',
      );
    }
    if (readonly) {
      if (version < SCHEMA_VERSION) {
        throw new JobError(
          'BAD_PARAM',
          `the index ${this.file} has an older schema (${version})`,
          `run \`mlxv analyze --index ${this.file}\` once to upgrade it`,
        );
      }
      return;
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    for (let v = version; v < SCHEMA_VERSION; v++) {
      this.db
        .transaction(() => {
          MIGRATIONS[v]!(this.db);
          this.db.pragma(`user_version = ${v + 1}`);
        })
        .immediate();
    }
  }

  /** Only for tests: a fresh file at an older schema version. */
  static createAtVersion(file: string, version: number): void {
    const db = new Database(file);
    for (let v = 0; v < version; v++) {
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }
    db.close();
  }

  close(): void {
    this.db.close();
  }

  /** True when `file` is indexed with this content hash and the current analysis version. */
  isCurrent(file: string, contentHash: string, analysisVersion: number): boolean {
    const row = this.db
      .prepare('SELECT content_hash, analysis_version FROM files WHERE path = ?')
      .get(path.resolve(file)) as { content_hash: string; analysis_version: number } | undefined;
    return !!row && row.content_hash === contentHash && row.analysis_version === analysisVersion;
  }

  /** Replaces everything indexed for the file with this analysis, in one transaction. */
  store(analysis: FileAnalysis, contentHash: string): void {
    const thumbsDir = `${this.file}-thumbs`;
    const file = path.resolve(analysis.file);
    const write = this.db.transaction(() => {
      const old = this.db.prepare('SELECT id FROM files WHERE path = ?').get(file) as
        { id: number } | undefined;
      if (old) {
        this.db
          .prepare('DELETE FROM shot_text WHERE rowid IN (SELECT id FROM shots WHERE file_id = ?)')
          .run(old.id);
        this.db.prepare('DELETE FROM files WHERE id = ?').run(old.id);
      }
      const fileId = this.db
        .prepare(
          `INSERT INTO files (path, content_hash, analysis_version, width, height, fps_num, fps_den, frame_count, start_tc, analysed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          file,
          contentHash,
          analysis.analysisVersion,
          analysis.width,
          analysis.height,
          analysis.frameRate.num,
          analysis.frameRate.den,
          analysis.frameCount,
          analysis.startTimecode,
          new Date().toISOString(),
        ).lastInsertRowid as number;
      const insertShot = this.db.prepare(
        `INSERT INTO shots (file_id, shot, start_frame, end_frame, start_tc, end_tc, black, scale, camera, time_of_day, light_key, faces, data, thumbnail, thumbnail_path)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insertObject = this.db.prepare(
        'INSERT INTO shot_objects (shot_id, label, count) VALUES (?, ?, ?)',
      );
      const insertText = this.db.prepare(
        'INSERT INTO shot_text (rowid, tags, objects, text, words) VALUES (?, ?, ?, ?, ?)',
      );
      const insertEmbedding = this.db.prepare(
        'INSERT INTO shot_embeddings (shot_id, model, vector) VALUES (?, ?, ?)',
      );
      for (const s of analysis.shots) {
        const { thumbnail, embedding, ...stored } = s;
        let thumbPath: string | null = null;
        if (thumbnail) {
          mkdirSync(thumbsDir, { recursive: true });
          thumbPath = path.join(
            thumbsDir,
            `${contentHash.slice(0, 16)}-${String(s.shot).padStart(4, '0')}.jpg`,
          );
          writeFileSync(thumbPath, thumbnail);
        }
        const id = insertShot.run(
          fileId,
          s.shot,
          s.start,
          s.end,
          s.startTimecode,
          s.endTimecode,
          s.black ? 1 : 0,
          s.scale,
          s.motion.camera,
          s.lighting?.time ?? null,
          s.lighting?.key ?? null,
          s.faces.count,
          JSON.stringify(stored),
          thumbnail ?? null,
          thumbPath,
        ).lastInsertRowid as number;
        for (const [label, count] of Object.entries(s.objects)) insertObject.run(id, label, count);
        insertText.run(id, ...ftsColumns(stored));
        if (embedding && analysis.clipModel) {
          insertEmbedding.run(
            id,
            analysis.clipModel,
            Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength),
          );
        }
      }
    });
    try {
      write.immediate();
    } catch (err) {
      throw lockedOr(err, this.file, undefined);
    }
  }

  /** True when the file's shots carry embeddings of this CLIP model (or it has no non-black shot). */
  hasEmbeddings(file: string, model: string): boolean {
    const row = this.db
      .prepare(
        `SELECT count(*) AS missing FROM shots s JOIN files f ON f.id = s.file_id
         WHERE f.path = ? AND s.black = 0
           AND NOT EXISTS (SELECT 1 FROM shot_embeddings e WHERE e.shot_id = s.id AND e.model = ?)`,
      )
      .get(path.resolve(file), model) as { missing: number };
    return row.missing === 0;
  }

  /** The CLIP models whose embeddings the index holds, with their shot counts. */
  embeddingModels(): { model: string; shots: number }[] {
    return this.db
      .prepare('SELECT model, count(*) AS shots FROM shot_embeddings GROUP BY model ORDER BY shots DESC')
      .all() as { model: string; shots: number }[];
  }

  fileCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
  }
}

/** The FTS columns of a shot: tags (+ synonyms), object labels, on-screen text, descriptive words. */
function ftsColumns(s: StoredShot): [string, string, string, string] {
  const words = [
    s.scale?.replace(/-/g, ' '),
    s.scale ? s.scale.replace(/-/g, '') : undefined,
    s.motion.camera,
    s.lighting?.time,
    s.lighting ? `${s.lighting.key} key` : undefined,
    s.black ? 'black' : undefined,
    // Areas covering a tenth of the frame or more are words too ("person", "car", "potted plant").
    ...Object.entries(s.areas ?? {})
      .filter(([, share]) => share >= 0.1)
      .map(([label]) => label),
    s.transitionIn?.kind,
  ];
  return [
    s.tags.flatMap((t) => [t.label, ...t.synonyms]).join(' | '),
    Object.keys(s.objects).join(' | '),
    s.text.join(' | '),
    words.filter(Boolean).join(' '),
  ];
}

function assertSqlite(file: string): void {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(16);
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') !== 'SQLite format 3\0') {
    throw new JobError(
      'BAD_PARAM',
      `${file} is not an mlxvideo library index (not a SQLite file); it was left untouched`,
      'pass --index a new file name or an index made by `mlxv analyze`',
    );
  }
}

function lockedOr(err: unknown, file: string, timeoutMs: number | undefined): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new JobError(
      'OUTPUT_UNWRITABLE',
      `the index ${file} is locked by another process (another \`mlxv analyze\`?)` +
        (timeoutMs !== undefined ? `; waited ${(timeoutMs / 1000).toFixed(1)} s` : ''),
      'wait for it to finish and run again',
    );
  }
  return err;
}

/** Content hash for incremental indexing (see the header). */
export function contentHash(file: string): string {
  const size = statSync(file).size;
  const hash = createHash('sha256').update(`size:${size}\n`);
  const fd = openSync(file, 'r');
  try {
    const chunk = 16 << 20;
    const ranges: [number, number][] =
      size <= 3 * chunk
        ? [[0, size]]
        : [
            [0, chunk],
            [size - chunk, chunk],
          ];
    const buf = Buffer.alloc(Math.min(size, 3 * chunk) || 1);
    for (const [start, len] of ranges) {
      const n = readSync(fd, buf, 0, len, start);
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
