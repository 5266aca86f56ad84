/**
 * `mlxv analyze <files or folders...> [--index lib.db] [--json] [--sheet sheet.html] [--markers dir]`:
 * shots, objects, tags, faces, scale, text, lighting, motion and colours per file (core/src/analysis/),
 * stored in a library index for `mlxv search`, a contact sheet, and marker files for editors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { analyzeLibrary, expandInputs, type FileOutcome } from '../analysis/analyze-library.ts';
import type { FileAnalysis } from '../analysis/analyze-file.ts';
import { LibraryIndex } from '../analysis/library-index.ts';
import { writeMarkerFiles } from '../analysis/markers/index.ts';
import { renderContactSheet, sheetEntriesFromIndex } from '../analysis/contact-sheet.ts';
import { createEffectContext } from '../runtime/context.ts';
import { clipEncodersFor } from '../analysis/clip/encoders.ts';
import { JobError } from '../pipeline/types.ts';
import { ExitCode, reportFailure } from './errors.ts';
import { formatEta } from './progress.ts';

interface AnalyzeOptions {
  index?: string;
  json?: boolean;
  sheet?: string;
  markers?: string;
  stride?: string;
  resolution?: string;
  clip?: string | boolean;
}

export function registerAnalyzeCommand(program: Command): void {
  program
    .command('analyze')
    .description('find shots and describe them (objects, tags, faces, scale, on-screen text, light, motion)')
    .argument('<inputs...>', 'video files or folders (searched recursively for videos)')
    .option('--index <file>', 'library index (SQLite) to add the results to; unchanged files are skipped')
    .option('--json', 'print the analysis as JSON on stdout')
    .option(
      '--sheet <file.html>',
      'write a self-contained HTML contact sheet of the index (or of these files)',
    )
    .option('--markers <folder>', 'write CSV, EDL, FCPXML and OpenTimelineIO marker files per input file')
    .option('--stride <frames>', 'run the models on every Nth frame (default: one frame per second)')
    .option('--resolution <pixels>', 'longer side of the frames the models see (default 960)')
    .option(
      '--clip [dir]',
      'also store CLIP image embeddings for `mlxv search --clip`: alone, the installed CLIP ViT-B/32 ' +
        '(`mlxv models fetch clip-vit-b32`); with a folder, the two encoders in it (default $MLXV_CLIP_DIR)',
    )
    .action(async (inputs: string[], opts: AnalyzeOptions) => {
      process.exitCode = await runAnalyze(inputs, opts);
    });
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new JobError('BAD_PARAM', `${flag} must be a positive whole number, got "${value}"`);
  return n;
}

async function runAnalyze(inputs: string[], opts: AnalyzeOptions): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nmlxv: cancelling the analysis (files already indexed stay indexed)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let index: LibraryIndex | undefined;
  try {
    const stride = positiveInt(opts.stride, '--stride');
    const maxSide = positiveInt(opts.resolution, '--resolution');
    const { files, missing } = expandInputs(inputs);
    for (const m of missing) process.stderr.write(`mlxv: skipped ${m}: no such file or folder\n`);
    if (files.length === 0)
      throw new JobError(
        'INPUT_MISSING',
        'no video files to analyse',
        'name video files or folders that contain some',
      );
    if (opts.index) index = LibraryIndex.open(path.resolve(opts.index));
    const ctx = createEffectContext({ signal: controller.signal });
    const clip = await clipEncodersFor(opts.clip);
    const started = Date.now();
    const analyses: FileAnalysis[] = [];
    let lastLine = 0;
    const outcomes = await analyzeLibrary(files, ctx, {
      ...(index ? { index } : {}),
      ...(stride ? { stride } : {}),
      ...(maxSide ? { maxSide } : {}),
      ...(clip ? { clip } : {}),
      signal: controller.signal,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastLine < 2000 && p.done < p.total) return;
        lastLine = now;
        // Progress through all files: the shot pass is about 30% of a file's time, the model pass the rest.
        const within =
          p.stage === 'shots'
            ? 0.3 * (p.done / Math.max(1, p.total))
            : 0.3 + 0.7 * (p.done / Math.max(1, p.total));
        const fraction = (p.fileIndex + within) / p.fileCount;
        const elapsed = (now - started) / 1000;
        const eta = fraction > 0.01 ? elapsed / fraction - elapsed : null;
        process.stderr.write(
          `analyze: file ${p.fileIndex + 1}/${p.fileCount} ${path.basename(p.file)}: ${p.stage} ${p.done}/${p.total}, ETA ${formatEta(eta)}\n`,
        );
      },
      onFile: (o: FileOutcome) => {
        if (o.status === 'failed') process.stderr.write(`mlxv: skipped ${o.file}: ${o.error.message}\n`);
        else if (o.status === 'unchanged')
          process.stderr.write(`analyze: ${o.file} unchanged since it was indexed, skipped\n`);
        else {
          analyses.push(o.analysis);
          process.stderr.write(`analyze: ${o.file}: ${o.analysis.shots.length} shots\n`);
        }
      },
    });
    if (opts.markers) {
      mkdirSync(opts.markers, { recursive: true });
      for (const a of analyses) writeMarkerFiles(a, opts.markers);
    }
    if (opts.sheet) {
      const entries = index
        ? sheetEntriesFromIndex(index)
        : analyses.flatMap((a) => a.shots.map((s) => ({ file: a.file, shot: s })));
      writeFileSync(opts.sheet, renderContactSheet(entries));
      process.stderr.write(`analyze: contact sheet ${opts.sheet}\n`);
    }
    if (opts.json) {
      process.stdout.write(
        JSON.stringify(
          {
            files: outcomes.map((o) =>
              o.status === 'analysed'
                ? { status: o.status, ...withoutThumbnails(o.analysis) }
                : o.status === 'failed'
                  ? { file: o.file, status: o.status, error: o.error.message }
                  : { file: o.file, status: o.status },
            ),
            missing,
          },
          null,
          2,
        ) + '\n',
      );
    }
    const failed = outcomes.filter((o) => o.status === 'failed').length + missing.length;
    return failed > 0 && failed === outcomes.length + missing.length ? ExitCode.input : ExitCode.ok;
  } catch (err) {
    return reportFailure(err);
  } finally {
    index?.close();
    process.off('SIGINT', onSigint);
  }
}

function withoutThumbnails(a: FileAnalysis) {
  return { ...a, shots: a.shots.map(({ thumbnail: _t, ...s }) => s) };
}
