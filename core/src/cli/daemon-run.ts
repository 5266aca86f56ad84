/**
 * `mlxv run --daemon` (or MLXV_DAEMON=1): the job goes to the local daemon instead of running in this process.
 * runJobViaDaemon (daemon/connect.ts) has runJob's signature and error codes, so progress, cancellation and
 * exit codes are the same either way. What it cannot tell apart is "nothing listens" from "a daemon refused
 * us", so a TCP probe first turns the common case into a message that says what to do.
 */
import { connect } from 'node:net';
import { configDir } from '../daemon/config.ts';
import { daemonUrl } from '../daemon/connect.ts';
import { DaemonUnreachableError } from './errors.ts';

/** --daemon, or MLXV_DAEMON set to anything but "", "0" or "false". */
export function wantsDaemon(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag) return true;
  const v = env.MLXV_DAEMON?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** The port of the daemon `runJobViaDaemon` will use (daemon.json, else MLXV_PORT, else the default). */
export function expectedDaemonPort(env: NodeJS.ProcessEnv = process.env): number {
  return Number(new URL(daemonUrl(configDir(env))).port);
}

/** Resolves when something accepts a TCP connection on 127.0.0.1:port, else throws DaemonUnreachableError. */
export async function assertDaemonListening(port: number, timeoutMs = 3000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const fail = () => {
      socket.destroy();
      reject(new DaemonUnreachableError(port));
    };
    socket.setTimeout(timeoutMs, fail);
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}
