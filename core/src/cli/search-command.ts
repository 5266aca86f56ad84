/**
 * `mlxv search "<query>" --index lib.db [--json] [--limit n]`: shots of a library index matching words and
 * filters (core/src/analysis/search.ts lists the query language).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { LibraryIndex } from '../analysis/library-index.ts';
import { clipEncodersFor } from '../analysis/clip/encoders.ts';
import { search, semanticSearch } from '../analysis/search.ts';
import { JobError } from '../pipeline/types.ts';
import { ExitCode, reportFailure } from './errors.ts';

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('find shots in a library index made by `mlxv analyze --index`')
    .argument(
      '<query>',
      'words and filters: scale:close-up objects:car>=2 text:"EXIT" light:night motion:static tag:dog file:name',
    )
    .requiredOption('--index <file>', 'the library index (SQLite)')
    .option('--json', 'print the results as JSON')
    .option('--limit <n>', 'at most this many results (default 50)')
    .option(
      '--clip [dir]',
      'semantic search: rank shots by CLIP similarity to the words, with the installed CLIP ViT-B/32 ' +
        '(flag alone) or the encoders in this folder (default $MLXV_CLIP_DIR); the index must have been ' +
        'made with the same ones',
    )
    .action(async (query: string, opts: SearchOptions) => {
      process.exitCode = await runSearch(query, opts);
    });
}

interface SearchOptions {
  index: string;
  json?: boolean;
  limit?: string;
  clip?: string | boolean;
}

async function runSearch(query: string, opts: SearchOptions): Promise<number> {
  let index: LibraryIndex | undefined;
  try {
    const limit = opts.limit === undefined ? 50 : Number(opts.limit);
    if (!Number.isInteger(limit) || limit <= 0)
      throw new JobError('BAD_PARAM', `--limit must be a positive whole number, got "${opts.limit}"`);
    index = LibraryIndex.open(path.resolve(opts.index), { readonly: true });
    const clip = await clipEncodersFor(opts.clip);
    const results = clip ? await semanticSearch(index, query, clip, limit) : search(index, query, limit);
    if (opts.json) {
      process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    } else if (results.length === 0) {
      process.stdout.write('no shots match\n');
    } else {
      for (const r of results) {
        const what = [
          r.scale,
          r.motion,
          r.light,
          ...Object.entries(r.objects).map(([k, v]) => `${k} x${v}`),
          ...r.tags,
        ]
          .filter(Boolean)
          .join(', ');
        process.stdout.write(
          `${r.file}  shot ${r.shot}  ${r.startTimecode}-${r.endTimecode} (frames ${r.startFrame}-${r.endFrame})  ${what}` +
            (r.text.length ? `  text: "${r.text.join(' / ')}"` : '') +
            '\n',
        );
      }
    }
    return ExitCode.ok;
  } catch (err) {
    return reportFailure(err);
  } finally {
    index?.close();
  }
}
