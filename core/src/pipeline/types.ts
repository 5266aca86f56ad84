/**
 * A job: file in -> effect -> file out. The CLI (in-process) and the daemon (jobs for panels and the CLI)
 * both run jobs through runJob() in this folder, so results are identical by construction.
 */
export type OutputFormat = 'prores4444' | 'webm-vp9' | 'h264' | SequenceFormat | StillFormat;
/** Numbered image files (`-o out/frame_%04d.exr`, or a folder): one file per frame. */
export type SequenceFormat = 'png-sequence' | 'exr-sequence';
/** One image file out (`-o photo.png`): the job must make exactly one frame. */
export type StillFormat = 'png' | 'jpeg' | 'tiff' | 'webp' | 'exr';

export interface FrameRange {
  /** 0-based, inclusive. */
  start: number;
  /** 0-based, inclusive; undefined = to the end. */
  end?: number;
}

export interface JobSpec {
  effect: string;
  input: string;
  /** Final output path. Written under a temporary name and renamed on success; never equal to input. */
  output: string;
  params: Record<string, unknown>;
  frames?: FrameRange;
  /**
   * Default: from the output extension (.mov -> prores4444, .webm -> webm-vp9, folder or %d pattern -> PNG
   * sequence, .png/.jpg/.tif/.webp/.exr -> one image).
   */
  format?: OutputFormat;
  /** Explicit model file paths by model id (override the resolver's cache/sources). */
  modelPaths?: Record<string, string>;
  /** Replace an existing output (only once the job has succeeded). Default false: an existing output is an error. */
  overwrite?: boolean;
}

export interface JobProgress {
  /** Frames written so far. */
  done: number;
  total: number;
  fps: number;
  /** Seconds remaining, or null until it can be estimated. */
  etaSeconds: number | null;
  stage: 'loading-models' | 'processing' | 'finalizing';
}

export interface JobResult {
  output: string;
  frames: number;
  seconds: number;
  /** Pure session.run time vs. wall time, for the benchmark's pipeline-efficiency ratio. */
  inferenceMs: number;
  /** Per model session used: provider and pure inference time during this job (benchmarks, logs). */
  sessions?: readonly JobSessionStats[];
  /** Output frame rate (differs from the input's for retiming effects). */
  frameRate?: { num: number; den: number };
  /** Things the user should know that did not stop the job (e.g. audio transcoded or dropped). */
  notes?: readonly string[];
  /**
   * Where the wall time went, summed over frames (ms): waiting for decoded frames (ffmpeg + unpacking),
   * inside the effect (per call; lanes overlap), the effect stage idle (waiting for input or for room
   * downstream), and writing to the encoder (packing + pipe backpressure). For the benchmark.
   */
  stageMs?: { decode: number; effect: number; effectIdle: number; encode: number };
}

export interface JobSessionStats {
  modelId: string;
  provider: string;
  runs: number;
  inferenceMs: number;
}

// The job error lives in the contract leaf so media/, effects/ and daemon/ throw it without importing pipeline/.
export { JobError, type JobErrorCode } from '../contract/errors.ts';
