/**
 * Job files for farm managers studios already run. Every frame task runs `mlxv farm chunk` (= `mlxv run
 * --frames a-b` plus the pre-roll/overlap of farm-plan.ts and the segment naming), and a dependent job runs
 * `mlxv farm assemble`. Formats, checked against their documentation (links in docs/farm.md):
 * - Deadline 10: a job info file (Plugin=CommandLine, Frames, ChunkSize, Name) and a plugin info file
 *   (Executable, Arguments with <STARTFRAME>/<ENDFRAME>) per job, submitted with `deadlinecommand job_info
 *   plugin_info`; the assemble job names the render job in JobDependencies, known only after submission,
 *   so submit.sh reads the render job's JobID from deadlinecommand's output.
 * - OpenCue: one CJSL spec (cjsl-1.14.dtd) with a render job (layer cmd with #FRAME_START#/#FRAME_END#,
 *   range, chunk) and an assemble job tied to it by a JOB_ON_JOB depend.
 * Nothing here ran on Deadline or OpenCue (neither is available here).
 */
import { mkdir, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import type { FarmPlan } from './farm-plan.ts';

export interface ExportJob {
  plan: FarmPlan;
  /** Names the segments folder; every task and the assemble step must agree on it. */
  jobId: string;
  /** How a render machine starts mlxv (absolute path or a command on PATH). */
  mlxv: string;
  /** The command-line arguments after `mlxv farm chunk|assemble`, without --frames. */
  args: readonly string[];
  name: string;
}

/** Quoting for a POSIX shell command line (OpenCue runs cmd through a shell; Deadline passes a string). */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Deadline splits its Arguments string like a Windows command line (double quotes group; no shell), so
 * arguments with spaces get double quotes there; OpenCue runs cmd through a shell.
 */
function deadlineQuote(arg: string): string {
  return /[\s"]/.test(arg) ? `"${arg.replace(/"/g, '\\"')}"` : arg;
}

/** The frames argument goes in as is: the manager's tokens must stay recognisable to be replaced. */
function commandLine(
  job: ExportJob,
  verb: 'chunk' | 'assemble',
  frames: string | null,
  quote: (arg: string) => string,
): string {
  const args = ['farm', verb, ...job.args, '--job-id', job.jobId].map(quote);
  return [...args, ...(frames ? ['--frames', frames] : [])].join(' ');
}

function frameSpan(plan: FarmPlan): string {
  return `${plan.job.range.start}-${plan.job.range.end}`;
}

export async function writeDeadlineJob(dir: string, job: ExportJob): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'job_info.job': keyValues({
      Plugin: 'CommandLine',
      Name: `${job.name} (mlxv render)`,
      Frames: frameSpan(job.plan),
      ChunkSize: String(job.plan.chunkSize),
      // A chunk that dies is retried by Deadline; mlxv farm chunk is idempotent, so that is safe.
      OutputDirectory0: path.dirname(job.plan.job.target.path),
    }),
    'plugin_info.job': keyValues({
      Executable: job.mlxv,
      Arguments: commandLine(job, 'chunk', '<STARTFRAME>-<ENDFRAME>', deadlineQuote),
      StartupDirectory: '',
    }),
    'assemble_job_info.job': keyValues({
      Plugin: 'CommandLine',
      Name: `${job.name} (mlxv assemble)`,
      Frames: '0',
      ChunkSize: '1',
      // JobDependencies=<render job id> is appended by submit.sh once Deadline has assigned the id.
    }),
    'assemble_plugin_info.job': keyValues({
      Executable: job.mlxv,
      Arguments: commandLine(job, 'assemble', null, deadlineQuote),
      StartupDirectory: '',
    }),
    'submit.sh': [
      '#!/bin/sh',
      '# Submits the render job, then the assemble job depending on it. Needs deadlinecommand on PATH.',
      'set -eu',
      'cd "$(dirname "$0")"',
      'out=$(deadlinecommand job_info.job plugin_info.job)',
      'echo "$out"',
      'id=$(printf "%s\\n" "$out" | sed -n "s/^JobID=//p" | tr -d "\\r" | head -n 1)',
      '[ -n "$id" ] || { echo "no JobID in deadlinecommand output" >&2; exit 1; }',
      'cp assemble_job_info.job assemble_job_info.submitted.job',
      'echo "JobDependencies=$id" >> assemble_job_info.submitted.job',
      'deadlinecommand assemble_job_info.submitted.job assemble_plugin_info.job',
      '',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  await chmod(path.join(dir, 'submit.sh'), 0o755);
  return Object.keys(files).map((n) => path.join(dir, n));
}

function keyValues(entries: Record<string, string>): string {
  return (
    Object.entries(entries)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n'
  );
}

export function openCueSpec(job: ExportJob, who: { show: string; shot: string; user: string }): string {
  const base = cueName(job.name);
  const render = `${base}_render`;
  const assemble = `${base}_assemble`;
  const layer = (name: string, type: 'Render' | 'Util', cmd: string, range: string, chunk: number) =>
    [
      `        <layer name="${name}" type="${type}">`,
      `          <cmd>${xml(cmd)}</cmd>`,
      `          <range>${range}</range>`,
      `          <chunk>${chunk}</chunk>`,
      '          <services><service>shell</service></services>',
      '        </layer>',
    ].join('\n');
  const mlxv = shellQuote(job.mlxv);
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE spec PUBLIC "SPI Cue Specification Language" "http://localhost:8080/spcue/dtd/cjsl-1.14.dtd">',
    '<spec>',
    `  <show>${xml(who.show)}</show>`,
    `  <shot>${xml(who.shot)}</shot>`,
    `  <user>${xml(who.user)}</user>`,
    `  <job name="${render}">`,
    '    <paused>False</paused>',
    '    <maxretries>1</maxretries>',
    '    <layers>',
    layer(
      'mlxv_chunk',
      'Render',
      `${mlxv} ${commandLine(job, 'chunk', '#FRAME_START#-#FRAME_END#', shellQuote)}`,
      frameSpan(job.plan),
      job.plan.chunkSize,
    ),
    '    </layers>',
    '  </job>',
    `  <job name="${assemble}">`,
    '    <paused>False</paused>',
    '    <layers>',
    layer('mlxv_assemble', 'Util', `${mlxv} ${commandLine(job, 'assemble', null, shellQuote)}`, '0', 1),
    '    </layers>',
    '  </job>',
    '  <depends>',
    '    <depend type="JOB_ON_JOB">',
    `      <depjob>${assemble}</depjob>`,
    `      <onjob>${render}</onjob>`,
    '    </depend>',
    '  </depends>',
    '</spec>',
    '',
  ].join('\n');
}

/** OpenCue names: letters, digits, '.', '_' (dashes become '_'), at least 3 characters (JobSpec.java). */
function cueName(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/[^\w.]+/g, '_')
    .replace(/_+/g, '_');
  return n.length >= 3 ? n : `mlxv_${n}`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
