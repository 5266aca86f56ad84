/**
 * `mlxv serve [--port N]`: runs the local daemon until SIGINT/SIGTERM.
 * `mlxv pair`: asks the running daemon (authenticated with the native token) for a one-time 6-digit code
 * that a panel exchanges for its own token.
 */
import type { Command } from 'commander';
import { DEFAULT_PORT } from '../client/protocol.ts';

/** Runs a command body; failures print one clear line (no stack) and set exit code 1. */
async function reporting(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    process.stderr.write(
      `mlxv: error${typeof code === 'string' ? ` [${code}]` : ''}: ${(err as Error).message}\n`,
    );
    process.exitCode = 1;
  }
}

const SIGNAL_EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Resolves on the first SIGINT/SIGTERM/SIGHUP (a clean shutdown follows). A second signal means "now": the
 * process exits at once, and the daemon's exit hook still removes daemon.json.
 */
function stopOnSignals(): Promise<void> {
  return new Promise((resolve) => {
    let received = false;
    for (const sig of Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]) {
      process.on(sig, () => {
        if (received) process.exit(SIGNAL_EXIT_CODES[sig]);
        received = true;
        resolve();
      });
    }
  });
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('run the local daemon that panels, the OFX plugin and `mlxv run --daemon` talk to')
    .option(
      '-p, --port <port>',
      `TCP port on 127.0.0.1 (0 = any free port; env MLXV_PORT)`,
      String(process.env.MLXV_PORT ?? DEFAULT_PORT),
    )
    .option('--max-jobs <n>', 'jobs run at the same time', '1')
    .action((opts: { port: string; maxJobs: string }) =>
      reporting(async () => {
        const { startDaemon } = await import('../daemon/server.ts');
        const { pino } = await import('pino');
        const logger = pino(
          { name: 'mlxv-daemon', level: process.env.MLXV_LOG_LEVEL ?? 'info' },
          pino.destination(2),
        );
        const port = Number(opts.port);
        const maxConcurrentJobs = Number(opts.maxJobs);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new Error(`--port must be 0..65535, got ${opts.port}`);
        if (!Number.isInteger(maxConcurrentJobs) || maxConcurrentJobs < 1)
          throw new Error(`--max-jobs must be >= 1`);
        // Handlers go in before the daemon writes daemon.json: a signal at any moment after that is a
        // clean stop (the daemon removes the file first thing in close(), and on process exit).
        const stopRequested = stopOnSignals();
        const daemon = await startDaemon({
          port,
          limits: { maxConcurrentJobs },
          // Structured JSON lines on stderr (pino); stdout keeps the one human/machine-readable line below.
          log: (level, msg, fields) => logger[level](fields ?? {}, msg),
        });
        // The first stdout line is machine-readable: tests and scripts read the port from it.
        process.stdout.write(`mlxv daemon listening on ${daemon.url} (token file: ${daemon.tokenFile})\n`);
        await stopRequested;
        // close() is bounded (jobs get 10 s to clean up); this is the backstop if something still hangs.
        setTimeout(() => process.exit(1), 30_000).unref();
        await daemon.close();
      }),
    );

  program
    .command('pair')
    .description('show a one-time code to pair a Premiere/After Effects panel with the running daemon')
    .option('-p, --port <port>', 'daemon port (default: the running daemon, from daemon.json)')
    .action((opts: { port?: string }) =>
      reporting(async () => {
        const { connectToDaemon } = await import('../daemon/connect.ts');
        const client = await connectToDaemon({
          clientName: 'mlxv pair',
          ...(opts.port ? { port: Number(opts.port) } : {}),
        });
        try {
          const { code, expiresInSeconds } = await client.createPairCode();
          process.stdout.write(
            `Pairing code: ${code}\nEnter it in the mlxvideo panel within ${expiresInSeconds} s. It works once.\n`,
          );
        } finally {
          client.close();
        }
      }),
    );
}
