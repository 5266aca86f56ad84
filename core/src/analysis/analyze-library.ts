/**
 * Analyses many files (folders expanded to the videos inside them) into an optional library index:
 * files whose content and analysis version are already indexed are skipped without loading any model;
 * unreadable files are reported and skipped, the rest is analysed. Models load once, on the first file that
 * needs them.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { EffectContext } from '../effects/types.ts';
import { toJobError } from '../pipeline/job-error.ts';
import { JobError } from '../pipeline/types.ts';
import {
  ANALYSIS_VERSION,
  analyzeFile,
  loadAnalysisModels,
  type AnalysisModels,
  type AnalysisOptions,
  type AnalysisProgress,
  type FileAnalysis,
} from './analyze-file.ts';
import { contentHash, type LibraryIndex } from './library-index.ts';

const VIDEO = /\.(mov|mp4|m4v|mkv|webm|avi|mxf|mts|m2ts|ts|mpg|mpeg|flv|wmv|ogv|3gp)$/i;

export interface LibraryRunOptions extends Omit<AnalysisOptions, 'onProgress'> {
  index?: LibraryIndex;
  onProgress?: (p: AnalysisProgress & { fileIndex: number; fileCount: number }) => void;
  /** Called after each file: analysed, skipped as unchanged, or failed. */
  onFile?: (outcome: FileOutcome) => void;
}

export type FileOutcome =
  | { file: string; status: 'analysed'; analysis: FileAnalysis }
  | { file: string; status: 'unchanged' }
  | { file: string; status: 'failed'; error: JobError };

/** Files named on the command line, with folders expanded (recursively) to the video files inside. */
export function expandInputs(inputs: readonly string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (VIDEO.test(entry.name)) files.push(p);
    }
  };
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      missing.push(input);
      continue;
    }
    if (st.isDirectory()) walk(input);
    else files.push(input);
  }
  return { files, missing };
}

export async function analyzeLibrary(
  files: readonly string[],
  ctx: EffectContext,
  options: LibraryRunOptions = {},
): Promise<FileOutcome[]> {
  let models: Promise<AnalysisModels> | undefined;
  const loadModels = () => (models ??= loadAnalysisModels(ctx));
  const outcomes: FileOutcome[] = [];
  for (const [i, file] of files.entries()) {
    if (options.signal?.aborted) throw new JobError('CANCELLED', 'analysis cancelled');
    let outcome: FileOutcome;
    try {
      const hash = readableHash(file);
      // Installing CLIP later makes indexed files current only once they have its embeddings.
      const current =
        options.index?.isCurrent(file, hash, ANALYSIS_VERSION) &&
        (!options.clip || options.index.hasEmbeddings(file, options.clip.modelId));
      if (current) {
        outcome = { file, status: 'unchanged' };
      } else {
        const analysis = await analyzeFile(file, loadModels, {
          ...options,
          onProgress: (p) => options.onProgress?.({ ...p, fileIndex: i, fileCount: files.length }),
        });
        options.index?.store(analysis, hash);
        outcome = { file, status: 'analysed', analysis };
      }
    } catch (err) {
      const error = toJobError(err);
      // Cancelling, a broken model or a locked index stop the run; a bad file only skips that file.
      if (!['INPUT_MISSING', 'INPUT_NOT_VIDEO', 'INPUT_CORRUPT'].includes(error.code)) throw error;
      outcome = { file, status: 'failed', error };
    }
    outcomes.push(outcome);
    options.onFile?.(outcome);
  }
  return outcomes;
}

function readableHash(file: string): string {
  try {
    return contentHash(file);
  } catch (err) {
    throw new JobError(
      'INPUT_MISSING',
      `cannot read ${file}: ${(err as Error).message}`,
      'check the file exists and is readable',
    );
  }
}
