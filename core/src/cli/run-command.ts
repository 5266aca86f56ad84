/**
 * `mlxv run`, `mlxv effects` and `mlxv demo`. Commands parse and print; the work happens in runJob
 * (pipeline/run-job.ts) and failures become messages + exit codes in errors.ts.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { getEffect, listEffects } from '../effects/registry.ts';
import { cardOf } from '../models/manifests.ts';
import { formatCard } from './models-command.ts';
import { parseParamString } from '../effects/params.ts';
import type { EffectDescriptor, ParamSpec } from '../effects/types.ts';
import { temporalOf } from '../effects/descriptor-data.ts';
import { createEffectContext } from '../runtime/context.ts';
import { runJob } from '../pipeline/run-job.ts';
import { parseFrameRange } from '../pipeline/frame-range.ts';
import { outputFormats } from '../pipeline/output-format.ts';
import {
  JobError,
  type JobProgress,
  type JobResult,
  type JobSpec,
  type OutputFormat,
} from '../pipeline/types.ts';
import { repoRoot } from '../models/paths.ts';
import { cancelSignals, ExitCode, reportFailure, StoppedBySignal, type CancelSignal } from './errors.ts';
import { createProgressReporter } from './progress.ts';
import { runJobViaDaemon } from '../daemon/connect.ts';
import { assertDaemonListening, expectedDaemonPort, wantsDaemon } from './daemon-run.ts';
import { runFarmFromCli } from './farm-command.ts';

/** The clip `mlxv demo` (and so `npm start`) runs on: people on a street, carried by the repository. */
export const demoClip = path.join(repoRoot, 'test', 'fixtures', 'wide-street.mp4');
export const demoOutputDir = 'mlxv-output';

export function registerRunCommands(program: Command): void {
  usageErrorsExitWith2(
    program
      .command('run')
      .description('apply an effect to a video file or an image and write the result to a new file')
      .argument('<effect>', 'effect id (see `mlxv effects`)')
      .argument('[input]', 'input video file or image (generators take none)')
      .requiredOption(
        '-o, --output <path>',
        'output: .mov (ProRes 4444 + alpha), .webm (VP9 + alpha), .mp4 (H.264), a new or empty folder / ' +
          'frame_%04d.png (RGBA PNGs), or one image: .png .jpg .tif .webp .exr',
      )
      .option('-p, --param <name=value>', 'effect parameter (repeatable)', collect, [])
      .option('--frames <a-b>', 'render only input frames a..b (0-based, inclusive; "a-" = to the end)')
      .option('--format <format>', `output format, overriding the extension: ${outputFormats.join(', ')}`)
      .option('--overwrite', 'replace an existing output (only once the job has succeeded)')
      .option(
        '--model-path <id=file>',
        'use this ONNX file for a model id (repeatable; still hash-checked)',
        collect,
        [],
      )
      .option('--json', 'print the result as JSON on stdout')
      .option(
        '--daemon',
        'run the job in the local daemon (`mlxv serve`) instead of in this process (also: MLXV_DAEMON=1)',
      )
      .option('--farm <redis-url>', 'render on the farm: workers run `mlxv farm worker` (docs/farm.md)')
      .option('--chunk <n>', 'frames per farm chunk (with --farm)', Number)
      .addHelpText('after', exitCodeHelp)
      .action(async (effectId: string, input: string | undefined, opts: RunOptions) => {
        process.exitCode = await runFromCli(effectId, input ?? '', opts);
      }),
  );

  usageErrorsExitWith2(
    program
      .command('effects')
      .description('list the effects and their parameters')
      .option('--json', 'print the effect descriptors as JSON')
      .action((opts: { json?: boolean }) => {
        const effects = listEffects();
        process.stdout.write(
          opts.json
            ? JSON.stringify(effects.map(describeEffectJson), null, 2) + '\n'
            : effects.map(describeEffect).join('\n'),
        );
      }),
  );

  usageErrorsExitWith2(
    program
      .command('demo')
      .description(
        `remove the background of the bundled street clip; writes ./${demoOutputDir}/ (ProRes 4444 .mov and PNGs)`,
      )
      .option('--frames <a-b>', 'render only these frames of the clip (0-based, inclusive)')
      .action(async (opts: { frames?: string }) => {
        process.exitCode = await runDemo(opts);
      }),
  );
}

const exitCodeHelp = `
Exit codes: 0 ok, 1 internal error, 2 usage/params, 3 input, 4 output, 5 model,
  6 no daemon listening (--daemon), 130 cancelled (Ctrl-C), 143 SIGTERM, 129 SIGHUP
  (any of these three stops ffmpeg and the effect and removes the temporary output).
Examples:
  mlxv run matte clip.mp4 -o clip-matte.mov
  mlxv run matte clip.mp4 -o frames/matte_%04d.png --frames 0-99 --param output=alpha`;

interface RunOptions {
  output: string;
  param: string[];
  frames?: string;
  format?: string;
  overwrite?: boolean;
  modelPath: string[];
  json?: boolean;
  daemon?: boolean;
  farm?: string;
  chunk?: number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Commander reports usage mistakes with exit code 1; ours is 2 so scripts can tell them from failures. */
export function usageErrorsExitWith2(command: Command): void {
  command.exitOverride((err) => {
    throw err.exitCode === 0 ? err : new CommanderError(ExitCode.usage, err.code, err.message);
  });
}

async function runFromCli(effectId: string, input: string, opts: RunOptions): Promise<number> {
  try {
    const spec = buildSpec(effectId, input, opts);
    if (opts.farm) return await runFarmFromCli(spec, { farm: opts.farm, chunk: opts.chunk, json: opts.json });
    const viaDaemon = wantsDaemon(opts.daemon);
    if (viaDaemon) {
      // The daemon loads models through its own context; a per-run model file cannot be handed to it.
      if (spec.modelPaths) {
        throw new JobError('BAD_PARAM', '--model-path cannot be used with --daemon', 'drop one of them');
      }
      await assertDaemonListening(expectedDaemonPort());
    }
    const result = await runWithInterrupts(spec, `${effectId}`, viaDaemon);
    if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
    else printResult(result);
    // Notes go to stderr either way: a script reading --json still leaves them visible in its log.
    for (const note of result.notes ?? []) process.stderr.write(`mlxv: note: ${note}\n`);
    return ExitCode.ok;
  } catch (err) {
    return reportFailure(err);
  }
}

/** Turns the command line into a JobSpec; bad values fail here with the same errors runJob would give. */
export function buildSpec(effectId: string, input: string, opts: RunOptions): JobSpec {
  const effect = getEffect(effectId);
  const params: Record<string, unknown> = {};
  for (const pair of opts.param) {
    const [name, value] = splitPair(pair, '--param', 'name=value');
    params[name] = parseParamString(effect.params, name, value);
  }
  const modelPaths: Record<string, string> = {};
  for (const pair of opts.modelPath) {
    const [id, file] = splitPair(pair, '--model-path', 'model-id=/path/to/model.onnx');
    modelPaths[id] = path.resolve(file);
  }
  if (opts.format !== undefined && !outputFormats.includes(opts.format as OutputFormat)) {
    throw new JobError(
      'BAD_PARAM',
      `unknown --format "${opts.format}"`,
      `use one of: ${outputFormats.join(', ')}`,
    );
  }
  return {
    effect: effectId,
    input,
    output: opts.output,
    params,
    ...(opts.frames !== undefined ? { frames: parseFrameRange(opts.frames) } : {}),
    ...(opts.format !== undefined ? { format: opts.format as OutputFormat } : {}),
    ...(Object.keys(modelPaths).length ? { modelPaths } : {}),
    ...(opts.overwrite ? { overwrite: true } : {}),
  };
}

function splitPair(text: string, flag: string, shape: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new JobError('BAD_PARAM', `${flag} expects ${shape}, got "${text}"`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1)];
}

/**
 * Runs a job with a progress display. The first Ctrl-C, SIGTERM (kill, `timeout`, systemd, farm managers) or
 * SIGHUP (terminal closed) aborts it: ffmpeg and inference stop, the temporary output is removed, and the
 * exit code is 128 + the signal's number (130, 143, 129). A second signal exits at once, for a job that does
 * not stop.
 */
async function runWithInterrupts(spec: JobSpec, label: string, viaDaemon = false): Promise<JobResult> {
  const controller = new AbortController();
  let stoppedBy: CancelSignal | undefined;
  const onSignal = (signal: CancelSignal) => {
    if (stoppedBy === undefined) {
      stoppedBy = signal;
      if (signal === 'SIGHUP') {
        // The terminal is gone: writes to it fail (EIO). Ignore them so the cleanup still runs.
        for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
      }
      say(
        signal === 'SIGINT'
          ? '\nmlxv: cancelling (press Ctrl-C again to force)...\n'
          : `\nmlxv: ${signal} received, cancelling...\n`,
      );
      controller.abort();
    } else {
      say('mlxv: forced exit; temporary files may remain next to the output (the next run removes them)\n');
      process.exit(cancelSignals[signal]);
    }
  };
  const handlers = (Object.keys(cancelSignals) as CancelSignal[]).map((signal) => {
    const handler = () => onSignal(signal);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  const progress = createProgressReporter(label);
  const run = { signal: controller.signal, onProgress: (p: JobProgress) => progress.update(p) };
  // Through the daemon, the abort becomes a job.cancel message; the daemon removes its temporary output.
  const ctx = viaDaemon
    ? undefined
    : createEffectContext({ ...(spec.modelPaths ? { modelPaths: spec.modelPaths } : {}) });
  try {
    return ctx ? await runJob(spec, { ctx, ...run }) : await runJobViaDaemon(spec, run);
  } catch (err) {
    throw stoppedBy ? new StoppedBySignal(stoppedBy, err) : err;
  } finally {
    progress.stop();
    for (const off of handlers) off();
    await ctx?.sessions.dispose();
  }
}

/** stderr may be gone (SIGHUP: the terminal closed); a message that cannot be shown must not crash the cancel. */
function say(text: string): void {
  try {
    process.stderr.write(text, () => undefined);
  } catch {
    // nothing to do: the cancel itself matters, not the message
  }
}

function printResult(result: JobResult): void {
  const fps = result.seconds > 0 ? result.frames / result.seconds : 0;
  process.stdout.write(
    `wrote ${result.output} (${result.frames} frames in ${result.seconds.toFixed(1)} s, ${fps.toFixed(1)} fps)\n`,
  );
}

/**
 * The README's first command. One inference pass writes the ProRes 4444 .mov; the PNG sequence is then made
 * from that .mov with `identity`, which costs seconds instead of a second matte pass and shows that the
 * alpha channel survives a decode of our own output.
 */
async function runDemo(opts: { frames?: string }): Promise<number> {
  const outDir = path.resolve(demoOutputDir);
  try {
    await mkdir(outDir, { recursive: true });
    const frames = opts.frames !== undefined ? { frames: parseFrameRange(opts.frames) } : {};
    process.stderr.write(`mlxv demo: removing the background of ${shortPath(demoClip)}\n`);
    const mov = await runWithInterrupts(
      {
        effect: 'matte',
        input: demoClip,
        output: path.join(outDir, 'matte.mov'),
        params: {},
        overwrite: true,
        ...frames,
      },
      'matte -> .mov',
    );
    const pngs = await runWithInterrupts(
      {
        effect: 'identity',
        input: mov.output,
        output: path.join(outDir, 'matte-png', 'matte_%04d.png'),
        params: {},
        overwrite: true,
      },
      '.mov -> PNGs',
    );
    process.stdout.write(
      `\nDone. Open these (the background is transparent):\n` +
        `  ${mov.output}  ProRes 4444 with alpha, ${mov.frames} frames\n` +
        `  ${path.dirname(pngs.output)}/  RGBA PNG sequence, ${pngs.frames} frames\n`,
    );
    return ExitCode.ok;
  } catch (err) {
    return reportFailure(err);
  }
}

/** Relative to the current folder when inside it, else absolute. */
function shortPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

// ---------- `mlxv effects` ----------

function describeEffect(effect: EffectDescriptor): string {
  const lines = [
    `${effect.id}  ${effect.label}  [${effect.category}, ${effect.kind === 'filter' ? effect.temporal : effect.kind}]`,
    `  ${effect.description}`,
  ];
  if (effect.models.length) lines.push(`  models: ${effect.models.join(', ')}`);
  for (const id of effect.models) {
    const card = cardOf(id);
    if (card) lines.push(formatCard(id, card, '    ').trimEnd());
  }
  const params = Object.entries(effect.params);
  if (!params.length) lines.push('  params: (none)');
  for (const [name, spec] of params) {
    lines.push(`  --param ${name}=<${spec.type}>  ${spec.label}; ${describeParam(spec)}`);
    if (spec.help) lines.push(`      ${spec.help}`);
  }
  return lines.join('\n') + '\n';
}

export function describeParam(spec: ParamSpec): string {
  switch (spec.type) {
    case 'number':
      return (
        `default ${spec.default}, range ${spec.min}..${spec.max}` +
        (spec.integer ? ', integer' : '') +
        (spec.displayMin !== spec.min || spec.displayMax !== spec.max
          ? ` (usual ${spec.displayMin}..${spec.displayMax})`
          : '')
      );
    case 'choice':
      return `default ${spec.default}, one of: ${spec.options.map((o) => o.value).join(' | ')}`;
    case 'boolean':
      return `default ${spec.default}, true | false`;
    case 'color':
      return `default ${spec.default.join(',')}, r,g,b[,a] in 0..1 or #rrggbb[aa]`;
    case 'string':
      return `default "${spec.default}"${spec.kind === 'path' ? ', a file path' : ''}`;
  }
}

function describeEffectJson(effect: EffectDescriptor) {
  return {
    id: effect.id,
    label: effect.label,
    category: effect.category,
    description: effect.description,
    kind: effect.kind,
    temporal: temporalOf(effect),
    models: effect.models,
    modelCards: Object.fromEntries(effect.models.map((id) => [id, cardOf(id) ?? null])),
    outputs: effect.outputs,
    retimes: effect.kind === 'retime',
    params: effect.params,
  };
}
