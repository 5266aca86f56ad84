/**
 * `mlxv farm ...` and `mlxv run --farm`: render farms on BullMQ + Redis, and job files for Deadline and
 * OpenCue. The work lives in core/src/farm; this file parses, prints and maps failures to exit codes.
 */
import { userInfo } from 'node:os';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { buildSpec, usageErrorsExitWith2 as withUsageExit } from './run-command.ts';
import { ExitCode, reportFailure } from './errors.ts';
import { createProgressReporter } from './progress.ts';
import { createEffectContext } from '../runtime/context.ts';
import { parseFrameRange } from '../pipeline/frame-range.ts';
import { JobError, type JobSpec } from '../pipeline/types.ts';
import { mlxvBinPath } from '../farm/paths.ts';
import { planFarmJob, segmentDirFor, type FarmPlan } from '../farm/farm-plan.ts';
import { renderChunk } from '../farm/chunk-render.ts';
import { assembleSegments } from '../farm/assemble.ts';
import { runOnFarm, cancelFarmJob, type FarmResult } from '../farm/submit.ts';
import { startFarmWorker } from '../farm/worker.ts';
import { farmStatus, formatStatus } from '../farm/status.ts';
import { openCueSpec, writeDeadlineJob, type ExportJob } from '../farm/export.ts';
import { rm } from 'node:fs/promises';

type ExportedOptions = JobOptions & { jobId: string; jobFrames?: string };

interface JobOptions {
  output: string;
  param: string[];
  frames?: string;
  format?: string;
  overwrite?: boolean;
  chunk?: number;
}

export function registerFarmCommands(program: Command): void {
  const farm = program
    .command('farm')
    .description('render on several machines (BullMQ on Redis), or export to Deadline/OpenCue');

  withUsageExit(
    farm
      .command('worker')
      .description('render chunks from the farm queue on this machine (run one per render machine)')
      .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
      .option('--name <id>', 'worker name shown by `mlxv farm status` (default <host>-<pid>)')
      .addOption(
        new Option('--lock-seconds <s>', "chunk lock lifetime; a dead worker's chunk is redone after it")
          .default(60)
          .argParser(positiveInt),
      )
      .addOption(
        new Option('--stalled-seconds <s>', 'how often to look for chunks of dead workers')
          .default(30)
          .argParser(positiveInt),
      )
      .action(async (opts: { redis: string; name?: string; lockSeconds: number; stalledSeconds: number }) => {
        process.exitCode = await runWorker(opts);
      }),
  );

  withUsageExit(
    jobArguments(farm.command('submit').description('render a job on the farm and assemble the result here'))
      .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
      .option('--json', 'print the result as JSON on stdout')
      .action(async (effect: string, input: string, opts: JobOptions & { redis: string; json?: boolean }) => {
        process.exitCode = await submitFromCli(effect, input, opts, opts.redis);
      }),
  );

  withUsageExit(
    farm
      .command('status')
      .description('list the workers alive and the recent farm jobs')
      .requiredOption('--redis <url>', 'Redis URL')
      .option('--json', 'print as JSON')
      .action(async (opts: { redis: string; json?: boolean }) => {
        process.exitCode = await exitCodeOf(async () => {
          const status = await farmStatus(opts.redis);
          process.stdout.write(opts.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
        });
      }),
  );

  withUsageExit(
    farm
      .command('cancel')
      .description('cancel a farm job (its submitter stops the chunks and removes what was rendered)')
      .argument('<job-id>', 'farm job id (see `mlxv farm status`)')
      .requiredOption('--redis <url>', 'Redis URL')
      .action(async (id: string, opts: { redis: string }) => {
        process.exitCode = await exitCodeOf(async () => {
          if (!(await cancelFarmJob(opts.redis, id))) {
            throw new JobError(
              'BAD_PARAM',
              `no farm job "${id}"`,
              'list jobs with `mlxv farm status --redis URL`',
            );
          }
          process.stdout.write(`cancelling farm job ${id}\n`);
        });
      }),
  );

  // What Deadline/OpenCue tasks run: the two halves of an exported job.
  const exported = [
    {
      name: 'chunk',
      about: 'render one chunk of an exported job (what Deadline/OpenCue frame tasks run)',
      run: chunkFromCli,
    },
    {
      name: 'assemble',
      about: 'join the rendered chunks of an exported job into the output',
      run: assembleFromCli,
    },
  ];
  for (const { name, about, run } of exported) {
    withUsageExit(
      jobArguments(farm.command(name).description(about), 'chunk')
        .requiredOption('--job-id <id>', 'the id the export chose (names the segments folder)')
        .action(async (effect: string, input: string, opts: ExportedOptions) => {
          process.exitCode = await run(effect, input, opts);
        }),
    );
  }

  withUsageExit(
    jobArguments(farm.command('export').description('write job files for Deadline 10 and/or OpenCue'))
      .option(
        '--deadline <dir>',
        'write Deadline job files (render + dependent assemble job) into this folder',
      )
      .option('--opencue <file>', 'write an OpenCue job spec (CJSL XML)')
      .option('--mlxv <path>', 'how render machines start mlxv', mlxvBinPath())
      .option('--show <name>', 'OpenCue show', 'mlxvideo')
      .option('--shot <name>', 'OpenCue shot', 'shot01')
      .option('--user <name>', 'OpenCue user', userInfo().username)
      .action(
        async (
          effect: string,
          input: string,
          opts: JobOptions & {
            deadline?: string;
            opencue?: string;
            mlxv: string;
            show: string;
            shot: string;
            user: string;
          },
        ) => {
          process.exitCode = await exportFromCli(effect, input, opts);
        },
      ),
  );
}

/** The arguments every job-describing farm command shares with `mlxv run`. */
function jobArguments(command: Command, kind: 'job' | 'chunk' = 'job'): Command {
  command
    .argument('<effect>', 'effect id (see `mlxv effects`)')
    .argument('<input>', 'input video file (same path on every machine)')
    .requiredOption('-o, --output <path>', 'final output (same path on every machine)')
    .option(
      '-p, --param <name=value>',
      'effect parameter (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [],
    )
    .option('--format <format>', 'output format, overriding the extension')
    .option('--overwrite', 'replace an existing output once the job has succeeded')
    .addOption(new Option('--chunk <n>', 'frames per chunk').argParser(positiveInt));
  if (kind === 'chunk') {
    command
      .requiredOption('--frames <a-b>', 'the chunk (chunk) or, for assemble, ignored')
      .option('--job-frames <a-b>', 'frames of the whole job (default: the whole clip)');
  } else {
    command.option('--frames <a-b>', 'render only input frames a..b (0-based, inclusive)');
  }
  return command;
}

/** `mlxv run ... --farm URL [--chunk N]` lands here. */
export async function runFarmFromCli(
  spec: JobSpec,
  opts: { farm: string; chunk?: number; json?: boolean },
): Promise<number> {
  return exitCodeOf(async () => {
    const result = await submitWithInterrupts(spec, opts.farm, opts.chunk);
    printFarmResult(result, opts.json);
  });
}

async function submitFromCli(
  effect: string,
  input: string,
  opts: JobOptions & { json?: boolean },
  redis: string,
) {
  return exitCodeOf(async () => {
    const spec = buildSpec(effect, input, { ...opts, modelPath: [] });
    const result = await submitWithInterrupts(spec, redis, opts.chunk);
    printFarmResult(result, opts.json);
  });
}

/** Like a local run: progress on stderr; the first Ctrl-C cancels the farm job, a second exits at once. */
async function submitWithInterrupts(
  spec: JobSpec,
  redis: string,
  chunk: number | undefined,
): Promise<FarmResult> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts === 1) {
      process.stderr.write('\nmlxv: cancelling the farm job (press Ctrl-C again to force)...\n');
      controller.abort();
    } else {
      process.stderr.write('mlxv: forced exit; run `mlxv farm cancel <id>` to stop the workers\n');
      process.exit(ExitCode.cancelled);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const progress = createProgressReporter(`${spec.effect} (farm)`);
  try {
    return await runOnFarm(spec, {
      redis,
      ...(chunk !== undefined ? { chunk } : {}),
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      onQueued: (q) =>
        process.stderr.write(
          `mlxv: farm job ${q.farmJobId}: ${q.chunks} chunks of ${q.chunkSize} frames queued on ${redis}\n`,
        ),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

function printFarmResult(result: FarmResult, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const by = Object.entries(result.workers)
    .map(([w, n]) => `${w}: ${n}`)
    .join(', ');
  process.stdout.write(
    `wrote ${result.output} (${result.frames} frames in ${result.seconds.toFixed(1)} s; ${result.chunks} chunks, by ${by})\n`,
  );
  for (const note of result.notes ?? []) process.stderr.write(`mlxv: note: ${note}\n`);
}

async function runWorker(opts: {
  redis: string;
  name?: string;
  lockSeconds: number;
  stalledSeconds: number;
}) {
  return exitCodeOf(async () => {
    const worker = await startFarmWorker({
      redis: opts.redis,
      ...(opts.name ? { name: opts.name } : {}),
      lockSeconds: opts.lockSeconds,
      stalledSeconds: opts.stalledSeconds,
      log: (line) => process.stderr.write(`mlxv: ${line}\n`),
    });
    // First signal: finish the chunk in hand, then stop. Second: stop now (the chunk is redone elsewhere).
    await new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = () => {
        signals++;
        process.stderr.write(
          signals === 1 ? 'mlxv: worker stopping after the current chunk\n' : 'mlxv: worker stopping now\n',
        );
        void worker.close(signals > 1).then(resolve, resolve);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  });
}

/** The plan of an exported job, as every frame task and the assemble step recompute it. */
async function exportedPlan(
  effect: string,
  input: string,
  opts: JobOptions & { jobFrames?: string },
  overwrite: boolean,
): Promise<FarmPlan> {
  const spec = buildSpec(effect, input, {
    ...opts,
    frames: opts.jobFrames,
    overwrite,
    modelPath: [],
  });
  return planFarmJob(spec, opts.chunk);
}

async function chunkFromCli(effect: string, input: string, opts: ExportedOptions) {
  const ctx = createEffectContext();
  return exitCodeOf(async () => {
    // The final output may exist already (an earlier run); a chunk never touches it.
    const plan = await exportedPlan(effect, input, opts, true);
    const want = parseFrameRange(opts.frames!);
    const chunk = plan.chunks.find((c) => c.start === want.start);
    if (!chunk || chunk.end !== (want.end ?? chunk.end)) {
      throw new JobError(
        'BAD_PARAM',
        `frames ${opts.frames} are not one of this job's chunks (chunk size ${plan.chunkSize}, frames ${plan.job.range.start}-${plan.job.range.end})`,
        `set the farm manager's chunk size to ${plan.chunkSize} and its frame range to ${plan.job.range.start}-${plan.job.range.end}`,
      );
    }
    const segmentDir = segmentDirFor(plan.job, opts.jobId);
    const result = await renderChunk(
      { effect, input: plan.job.input, params: plan.job.params, format: plan.job.format, segmentDir, chunk },
      { ctx },
    );
    process.stdout.write(
      `${result.reused ? 'already rendered' : 'wrote'} ${result.segment} (${result.frames} frames)\n`,
    );
  }).finally(async () => {
    await ctx.sessions.dispose();
  });
}

async function assembleFromCli(effect: string, input: string, opts: ExportedOptions) {
  return exitCodeOf(async () => {
    const plan = await exportedPlan(effect, input, opts, opts.overwrite ?? false);
    const segmentDir = segmentDirFor(plan.job, opts.jobId);
    const result = await assembleSegments(plan.job, plan.chunks, segmentDir, {
      overwrite: opts.overwrite ?? false,
    });
    await rm(segmentDir, { recursive: true, force: true });
    process.stdout.write(
      `wrote ${result.output} (${result.frames} frames from ${plan.chunks.length} chunks)\n`,
    );
  });
}

async function exportFromCli(
  effect: string,
  input: string,
  opts: JobOptions & {
    deadline?: string;
    opencue?: string;
    mlxv: string;
    show: string;
    shot: string;
    user: string;
  },
) {
  return exitCodeOf(async () => {
    if (!opts.deadline && !opts.opencue) {
      throw new JobError(
        'BAD_PARAM',
        'nothing to export',
        'pass --deadline <dir> and/or --opencue <file.xml>',
      );
    }
    const spec = buildSpec(effect, input, { ...opts, modelPath: [] });
    const plan = await planFarmJob(spec, opts.chunk);
    const jobId = `${Date.now().toString(36)}`;
    const args = [
      effect,
      plan.job.input,
      '-o',
      plan.job.target.path,
      ...opts.param.flatMap((p) => ['-p', p]),
      '--format',
      plan.job.format,
      '--job-frames',
      `${plan.job.range.start}-${plan.job.range.end}`,
      '--chunk',
      String(plan.chunkSize),
      ...(opts.overwrite ? ['--overwrite'] : []),
    ];
    const job: ExportJob = { plan, jobId, mlxv: opts.mlxv, args, name: path.basename(plan.job.target.path) };
    if (opts.deadline) {
      const files = await writeDeadlineJob(path.resolve(opts.deadline), job);
      process.stdout.write(`wrote Deadline job files:\n${files.map((f) => `  ${f}\n`).join('')}`);
    }
    if (opts.opencue) {
      const file = path.resolve(opts.opencue);
      await writeFile(file, openCueSpec(job, { show: opts.show, shot: opts.shot, user: opts.user }));
      process.stdout.write(`wrote OpenCue job spec ${file}\n`);
    }
    process.stdout.write(
      `${plan.chunks.length} chunks of ${plan.chunkSize} frames; paths must be the same on every render machine\n`,
    );
  });
}

/** Runs a command's work: exit 0, or the failure reported with its exit code (errors.ts). */
async function exitCodeOf(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return ExitCode.ok;
  } catch (err) {
    return reportFailure(err);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CommanderError(
      ExitCode.usage,
      'mlxv.bad-number',
      `expected a whole number >= 1, got "${value}"`,
    );
  return n;
}
