/**
 * Model load checks (issue 9, defect 3): what checking a model costs when a session is created, for ISNet
 * general (88 MB) and the small selfie model, against the session creation itself.
 *
 *   marker      what loading does: open, fstat, read the bytes, fstat again; the verified marker (keyed on
 *               dev+inode+size+ctime+mtime) vouches for them, so nothing is hashed
 *   re-hash     the same read plus sha256 of the bytes: what "re-hash on every load" would cost
 *   session     onnxruntime session creation from those bytes (cpu), for scale
 *
 * Median of a few reps; the file is in the page cache after the first (as for a daemon loading a model it
 * used before). Models come from the model manager (fetched into the cache when missing).
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { createModelResolver } from '../../core/src/models/resolver.ts';
import { readVerifiedFile, sha256Bytes } from '../../core/src/models/hash.ts';
import { median, round1 } from '../support.ts';
import type { BenchCell, BenchSection } from '../types.ts';

const MODELS = ['isnet-general', 'selfie-segmentation'];
const REPS = Number(process.env.MLXV_BENCH_MODEL_LOAD_REPS ?? 5);

async function timeIt(reps: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: page cache, marker written
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function run(): Promise<BenchSection> {
  const models = createModelResolver();
  const markerDir = `${models.cacheDir}/.verified`;
  const rows: BenchCell[][] = [];
  for (const id of MODELS) {
    const m = models.manifest(id);
    const { path } = await models.fetch(id);
    const marker = await timeIt(REPS, async () => {
      const r = await readVerifiedFile(path, m, { markerDir });
      if (!r.ok || !r.fromMarker) throw new Error(`${id}: expected a marker-vouched read`);
    });
    let bytes: Uint8Array = new Uint8Array();
    const rehash = await timeIt(REPS, async () => {
      const r = await readVerifiedFile(path, m);
      if (!r.ok) throw new Error(`${id}: hash mismatch`);
      bytes = r.data;
    });
    const hashOnly = await timeIt(REPS, async () => sha256Bytes(bytes));
    const session = await timeIt(Math.min(REPS, 3), async () => {
      const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      await s.release();
    });
    rows.push([
      id,
      round1(m.bytes / 2 ** 20),
      round1(marker),
      round1(rehash),
      round1(hashOnly),
      round1(session),
      `${round1((100 * hashOnly) / session)} %`,
    ]);
  }
  return {
    title: 'Model load: checking the bytes a session is built from',
    columns: [
      'model',
      'MiB',
      'read + marker ms',
      'read + re-hash ms',
      'sha256 alone ms',
      'session create ms',
      're-hash / session',
    ],
    rows,
    notes: [
      'Loading reads the model through one descriptor, checks fstat before and after, and builds the ' +
        'onnxruntime session from those bytes. The marker (dev, inode, size, ctime and mtime in ns) skips the ' +
        'sha256; any in-place write, replacement or `touch -r` changes ctime or inode, and the file is hashed again.',
      'The "sha256 alone" column is what re-hashing on every load would add; it is paid once per model per ' +
        'process (sessions are cached), so both designs are viable; the marker keeps it off every `mlxv run`.',
      `Load average at the start: ${round1(loadavg()[0]!)} (a shared machine slows every figure).`,
    ],
    providers: ['cpu'],
  };
}
