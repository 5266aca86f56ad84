/**
 * The failure cases of the OFX plugin, each with its defined behaviour and a time bound. Shared by
 * faults.test.ts (normal build) and asan.test.ts (the same runs under AddressSanitizer + UBSan):
 * - daemon not running → on-image error + host message (Resolve's V2 suite with NULL pointers, a V1-only
 *   host, a full V2 host), within the connect timeout;
 * - daemon coming up later → error frames, then real frames; the persistent message is cleared, except in
 *   Resolve mode, whose clearPersistentMessage is garbage and must never be called;
 * - daemon killed mid-render → on-image error naming the lost connection; the next frame fails fast;
 * - abort() raised mid-render → the render returns kOfxStatFailed promptly;
 * - daemon slow → on-image error after MLXV_OFX_TIMEOUT_MS;
 * - daemon restarting → the plugin retries the connection and renders;
 * - NULL source image, negative row bytes, 4 instances in parallel (Resolve mode).
 */
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runHost, startDaemonProcess, type HostRun, type OfxBuild } from './helpers.ts';

const SANITIZER_REPORT = /AddressSanitizer|LeakSanitizer|runtime error:/;
const sanitizerEnv = {
  ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};

function clean(r: HostRun): void {
  expect(r.stderr).not.toMatch(SANITIZER_REPORT);
  expect(r.report.violations).toEqual([]);
  expect(r.report.liveImages).toBe(0);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** gain 0.5: identity's gain 1 is a pass-through the host copies without rendering (IsIdentity). */
const notIdentity = ['--param', 'gain=0.5'];
const synthetic = (size: string) => ['--synthetic', size, '--resolve'];

export function registerFaultTests(getBuild: () => OfxBuild): void {
  let build: OfxBuild;
  // A fresh clone compiles the tree here (the ASan one from scratch: minutes on a busy 2-core machine).
  beforeAll(() => {
    build = getBuild();
  }, 900_000);

  it('daemon not running: on-image error and a host message within the connect timeout', async () => {
    // Port 9 (discard): nothing listens there, and no daemon started by a parallel test can take it.
    const port = 9;
    const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-nodaemon-'));
    try {
      // Resolve's message suite (V2 with a NULL setPersistentMessage), a V1-only host, and a full V2 host.
      for (const [flags, kind] of [
        [['--resolve'], 'message'],
        [['--message-v1'], 'message'],
        [[], 'persistent'],
      ] as const) {
        const r = await runHost(
          build,
          [
            '--plugin',
            'org.mlxvideo.identity',
            ...notIdentity,
            '--synthetic',
            '96x54',
            ...flags,
            '--expect',
            'error',
            '--max-ms',
            '6000',
          ],
          { ...sanitizerEnv, MLXV_CONFIG_DIR: dir, MLXV_PORT: String(port) },
        );
        expect(r.code, r.report.why + r.stderr).toBe(0);
        clean(r);
        expect(r.report.messages[0]).toMatchObject({ kind, type: 'OfxMessageError' });
        expect(r.report.messages[0]!.text).toContain('cannot reach the mlxvideo daemon');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('recovers when the daemon comes up: error frames, then real frames, and the error is cleared', async () => {
    // Resolve mode must not call its garbage clearPersistentMessage (the host exits 86 if it does).
    for (const flags of [[], ['--resolve']]) {
      const port = await freePort();
      const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-recover-'));
      let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
      try {
        const host = runHost(
          build,
          [
            '--plugin',
            'org.mlxvideo.identity',
            ...notIdentity,
            '--synthetic',
            '64x36',
            ...flags,
            '--frames',
            '120',
          ].concat(['--frame-delay-ms', '250', '--stop-when-ok', '--expect', 'ok']),
          {
            ...sanitizerEnv,
            MLXV_CONFIG_DIR: dir,
            MLXV_PORT: String(port),
            MLXV_OFX_CONNECT_TIMEOUT_MS: '200',
          },
        );
        daemon = await startDaemonProcess(dir, port);
        const r = await host;
        expect(r.code, r.report.why + r.stderr).toBe(0);
        clean(r);
        expect(r.report.renders.length).toBeGreaterThan(1); // frames failed before the daemon was up
        const kinds = r.report.messages.map((m) => m.kind);
        expect(kinds[0]).toBe(flags.length ? 'message' : 'persistent');
        if (!flags.length) expect(kinds).toContain('clear');
        else expect(kinds).not.toContain('clear');
      } finally {
        await daemon?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('daemon killed mid-render: the frame shows the lost connection, the next fails fast', async () => {
    const daemon = await startDaemonProcess();
    try {
      let killed = false;
      const r = await runHost(
        build,
        [
          '--plugin',
          'org.mlxvideo.matte',
          ...synthetic('640x480'),
          '--frames',
          '2',
          '--expect',
          'error',
          '--max-ms',
          '8000',
        ],
        {
          ...sanitizerEnv,
          ...daemon.env,
          MLXV_OFX_LOG: '1',
          MLXV_OFX_CONNECT_TIMEOUT_MS: '500',
          MLXV_OFX_TIMEOUT_MS: '120000',
        },
        (proc) =>
          proc.stderr!.on('data', (d: Buffer) => {
            // The first request is on its way (the daemon is loading the matte models): kill it now.
            if (!killed && d.toString().includes('request 1 sent')) {
              killed = true;
              void daemon.kill();
            }
          }),
      );
      expect(killed).toBe(true);
      expect(r.code, r.report.why + r.stderr).toBe(0);
      clean(r);
      expect(r.report.messages.map((m) => m.text).join('\n')).toContain('lost the connection');
      expect(r.report.renders[1]!.ms).toBeLessThan(5000);
    } finally {
      await daemon.stop();
    }
  });

  it('abort() raised mid-render: the render returns kOfxStatFailed promptly', async () => {
    const daemon = await startDaemonProcess();
    try {
      const r = await runHost(
        build,
        ['--plugin', 'org.mlxvideo.matte', ...synthetic('640x480'), '--abort-after-ms', '150'],
        { ...sanitizerEnv, ...daemon.env, MLXV_OFX_TIMEOUT_MS: '120000' },
      );
      clean(r);
      expect(r.report.renders[0]!.status).toBe(1);
      expect(r.report.renders[0]!.ms).toBeLessThan(150 + 3000);
      expect(r.report.messages).toEqual([]); // an abort is the host's decision, not an error to report
    } finally {
      await daemon.stop();
    }
  });

  it('daemon slow: on-image error once MLXV_OFX_TIMEOUT_MS has passed', async () => {
    const daemon = await startDaemonProcess();
    try {
      const r = await runHost(
        build,
        ['--plugin', 'org.mlxvideo.matte', ...synthetic('640x480'), '--expect', 'error', '--max-ms', '5000'],
        { ...sanitizerEnv, ...daemon.env, MLXV_OFX_TIMEOUT_MS: '200' },
      );
      expect(r.code, r.report.why + r.stderr).toBe(0);
      clean(r);
      expect(r.report.messages[0]!.text).toContain('did not answer within 200 ms');
      expect(r.report.renders[0]!.ms).toBeGreaterThanOrEqual(200);
    } finally {
      await daemon.stop();
    }
  });

  it('daemon restarting: the plugin retries the connection until it is back', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'mlxv-ofx-restart-'));
    let daemon: Awaited<ReturnType<typeof startDaemonProcess>> | undefined;
    try {
      const host = runHost(
        build,
        [
          '--plugin',
          'org.mlxvideo.identity',
          ...notIdentity,
          ...synthetic('64x36'),
          '--expect',
          'ok',
          '--max-ms',
          '30000',
        ],
        {
          ...sanitizerEnv,
          MLXV_CONFIG_DIR: dir,
          MLXV_PORT: String(port),
          MLXV_OFX_CONNECT_TIMEOUT_MS: '30000',
        },
      );
      await new Promise((r) => setTimeout(r, 300));
      daemon = await startDaemonProcess(dir, port);
      const r = await host;
      expect(r.code, r.report.why + r.stderr).toBe(0);
      clean(r);
    } finally {
      await daemon?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describeLiveLayouts(() => build);
}

/** NULL source, negative row bytes and 4 parallel instances against one daemon. */
function describeLiveLayouts(getBuild: () => OfxBuild): void {
  let daemon: Awaited<ReturnType<typeof startDaemonProcess>>;
  beforeAll(async () => {
    daemon = await startDaemonProcess();
  });
  afterAll(async () => daemon?.stop());

  it('NULL source image: transparent black, no daemon call', async () => {
    const r = await runHost(
      getBuild(),
      [
        '--plugin',
        'org.mlxvideo.identity',
        ...notIdentity,
        ...synthetic('64x36'),
        '--null-source',
        '--expect',
        'clear',
        '--max-ms',
        '2000',
      ],
      { ...sanitizerEnv, ...daemon.env },
    );
    expect(r.code, r.report.why + r.stderr).toBe(0);
    clean(r);
  });

  it('negative row bytes and 4 instances rendering in parallel', async () => {
    const r = await runHost(
      getBuild(),
      [
        '--plugin',
        'org.mlxvideo.identity',
        ...notIdentity,
        ...synthetic('128x72'),
        '--negative-rowbytes',
        '--instances',
        '4',
      ].concat(['--frames', '3', '--param', 'gain=0.5', '--expect', 'ok', '--max-ms', '20000']),
      { ...sanitizerEnv, ...daemon.env },
    );
    expect(r.code, r.report.why + r.stderr).toBe(0);
    clean(r);
    expect(r.report.renders).toHaveLength(12);
  });
}
