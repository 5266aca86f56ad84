/**
 * `analysis.markers`: what a panel needs after an `analyze` job (the analyzer kind writes its shots as JSON
 * records): the file's shots as markers (the same `shotMarkers` as the CLI's marker files) and, when asked,
 * the analysis stored in a library index for `mlxv search` (the same store as `mlxv analyze --index`).
 * The panel cannot read files itself (UXP's file access is the user's to grant), so the daemon reads the
 * job's output for it. Only an `analyze` output is accepted, and the index is written only through
 * LibraryIndex (refuses a newer schema, waits on a lock), so nothing else on disk is touched.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { AnalysisMarkersReply } from '../client/protocol.ts';
import type { FileAnalysis, ShotAnalysis } from '../analysis/analyze-file.ts';
import { JobError } from '../pipeline/types.ts';
import { assertJobJsonPath } from './job-output-path.ts';

interface AnalyzerDocument {
  effect: string;
  input: string;
  frames: { start: number; end: number };
  frameRate: { num: number; den: number };
  width: number;
  height: number;
  records: { kind: string; data: Omit<ShotAnalysis, 'thumbnail'> & { thumbnail?: string } }[];
}

function readDocument(path: string): AnalyzerDocument {
  assertJobJsonPath(path, 'analysis', "an analyze job's");
  let doc: AnalyzerDocument;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as AnalyzerDocument;
  } catch (err) {
    throw new JobError(
      'INPUT_CORRUPT',
      `cannot read the analysis ${path}: ${(err as Error).message}`,
      'run the analysis again',
    );
  }
  if (doc?.effect !== 'analyze' || !Array.isArray(doc.records) || !doc.frameRate?.num) {
    throw new JobError(
      'BAD_PARAM',
      `${path} is not the output of an analyze job`,
      'run `analyze` on the clip first',
    );
  }
  return doc;
}

/** The analyzer's document as the library's FileAnalysis (thumbnails back to bytes; no stage timings). */
function fileAnalysis(doc: AnalyzerDocument, analysisVersion: number): FileAnalysis {
  return {
    file: doc.input,
    analysisVersion,
    width: doc.width,
    height: doc.height,
    frameRate: doc.frameRate,
    frameCount: doc.frames.end + 1,
    startTimecode: '00:00:00:00',
    shots: doc.records
      .filter((r) => r.kind === 'shot')
      .map(({ data: { thumbnail, ...shot } }) => ({
        ...shot,
        ...(thumbnail ? { thumbnail: Buffer.from(thumbnail, 'base64') } : {}),
      })),
    timings: { shotsMs: 0, modelsMs: 0, stageMs: {}, inferenceMs: {}, samples: 0, ocrSamples: 0 },
  };
}

export async function analysisMarkers(
  analysisPath: string,
  indexPath: string | undefined,
): Promise<Omit<AnalysisMarkersReply, 'type' | 'id'>> {
  const doc = readDocument(analysisPath);
  // Imported on first use: `mlxv serve` starts without SQLite and the analysis modules.
  const [{ shotMarkers }, { ANALYSIS_VERSION }] = await Promise.all([
    import('../analysis/markers/index.ts'),
    import('../analysis/analyze-file.ts'),
  ]);
  const analysis = fileAnalysis(doc, ANALYSIS_VERSION);
  let indexed = false;
  if (indexPath !== undefined) {
    if (!isAbsolute(indexPath))
      throw new JobError('BAD_PARAM', `index must be an absolute path: ${indexPath}`);
    const { LibraryIndex, contentHash } = await import('../analysis/library-index.ts');
    const index = LibraryIndex.open(indexPath);
    try {
      index.store(analysis, contentHash(doc.input));
      indexed = true;
    } finally {
      index.close();
    }
  }
  return {
    file: doc.input,
    frameRate: doc.frameRate,
    markers: shotMarkers(analysis).map(({ frame, duration, name, comment }) => ({
      frame,
      duration,
      name,
      comment,
    })),
    indexed,
  };
}
