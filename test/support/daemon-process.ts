/**
 * A real daemon as a separate process (`node core/bin/mlxv.js serve --port N` with its own config dir), for
 * tests and bench sections that must kill it, restart it on the same token, or measure its memory. The daemon
 * and OFX tests both start it through this one function.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './paths.ts';

export interface DaemonProcessOptions {
  /** Config dir (token file, job store); a fresh temp dir, removed by stop(), when left out. */
  dir?: string;
  /** Default 0: any free port. Pass a port to restart a daemon where its clients expect it. */
  port?: number;
  /** Extra environment for the daemon process. */
  env?: Record<string, string>;
  /** How long to wait for the "listening on" line. */
  startTimeoutMs: number;
  /** stop(): SIGKILL when SIGTERM has not ended the process after this long (default: wait for it). */
  killAfterMs?: number;
}

export interface DaemonProcess {
  child: ChildProcess;
  port: number;
  url: string;
  dir: string;
  /** What a client process needs to find this daemon (config dir and port). */
  env: Record<string, string>;
  /** Resident set size of the daemon process in bytes (Linux /proc). */
  rss(): number;
  /** SIGKILL, like a crash; resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown); resolves when the process is gone. */
  stop(): Promise<void>;
}

export async function startDaemonProcess(options: DaemonProcessOptions): Promise<DaemonProcess> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'mlxv-daemon-proc-'));
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'core', 'bin', 'mlxv.js'), 'serve', '--port', String(options.port ?? 0)],
    {
      cwd: repoRoot,
      // MLXV_PORT cleared: the parent's value must not leak into the daemon (--port decides).
      env: { ...process.env, MLXV_CONFIG_DIR: dir, MLXV_PORT: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`daemon did not start in ${options.startTimeoutMs / 1000} s:\n${stderr}`)),
      options.startTimeoutMs,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited (${code}) before listening:\n${stderr}`));
    });
  });
  return {
    child,
    port,
    url: `ws://127.0.0.1:${port}/`,
    dir,
    env: { MLXV_CONFIG_DIR: dir, MLXV_PORT: String(port) },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    async kill() {
      if (running()) child.kill('SIGKILL');
      await gone;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      const timer =
        options.killAfterMs === undefined
          ? undefined
          : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
      await gone;
      clearTimeout(timer);
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
