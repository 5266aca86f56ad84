/**
 * What a connection may cost the daemon before it authenticates. Until `hello.ok` the peer is a stranger (any
 * local process, or a sandboxed web frame sending `Origin: null`), so it gets a small, fixed budget:
 * - messages of at most `maxMessageBytes`, enforced by ws from the frame header: a 500 MB message is refused
 *   (close 1009) when its length is read, before any of it is buffered. The limit is raised to the protocol
 *   limit the moment the client authenticates;
 * - at most `maxBytes` raw bytes in all (control frames, empty fragments, a pair then a hello);
 * - `timeoutMs` to authenticate;
 * - at most `maxConnections` such connections at once (server.ts answers more upgrades with HTTP 503).
 * A connection over budget is destroyed at once (no close handshake to wait for while it keeps sending).
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export interface PreAuthLimits {
  /** Unauthenticated connections at once; more are refused at the upgrade (HTTP 503). */
  maxConnections: number;
  /** One message before hello.ok (a hello or pair message is well under 1 KiB). */
  maxMessageBytes: number;
  /** Raw bytes received before hello.ok, framing included. */
  maxBytes: number;
  /** Time to send hello (paused while a pairing attempt waits its turn). */
  timeoutMs: number;
}

export const DEFAULT_PRE_AUTH: PreAuthLimits = {
  maxConnections: 32,
  maxMessageBytes: 4096,
  maxBytes: 16 * 1024,
  timeoutMs: 5000,
};

/**
 * Sets the largest message ws accepts on this socket from now on. ws has no public setter (its limit is a
 * server option fixed at the upgrade), so this writes the receiver's field; it fails loudly rather than
 * silently if a ws upgrade renames it (test/daemon/pre-auth.test.ts sends large frames after hello).
 */
export function setMaxPayload(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: unknown } })._receiver;
  if (!receiver || typeof receiver._maxPayload !== 'number') {
    throw new Error('ws internals changed: cannot raise maxPayload after authentication (see pre-auth.ts)');
  }
  receiver._maxPayload = bytes;
}

export class PreAuthGuard {
  private received = 0;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.byteLength;
    if (this.received > this.limits.maxBytes)
      this.violate(`sent over ${this.limits.maxBytes} bytes before hello`);
  };

  /**
   * Call right after the upgrade (ws has attached its own 'data' listener by then, so a chunk holding a hello
   * and the start of the next message is parsed, and the client authenticated, before it is counted here).
   */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly limits: PreAuthLimits,
    /** Tells the client why (when it can still hear it); the guard then destroys the socket. */
    private readonly onViolation: (reason: string) => void,
  ) {
    socket.on('data', this.onData);
    this.startTimer();
  }

  /** Stops the clock while the client waits for the daemon (a pairing attempt in line). */
  pauseTimer(): void {
    clearTimeout(this.timer);
  }

  startTimer(): void {
    clearTimeout(this.timer);
    if (this.done) return;
    this.timer = setTimeout(
      () => this.violate(`no hello within ${this.limits.timeoutMs / 1000} s`),
      this.limits.timeoutMs,
    );
    this.timer.unref();
  }

  /** The client authenticated: it gets the full message limit and no more byte counting or clock. */
  authenticated(maxPayload: number): void {
    this.stop();
    setMaxPayload(this.ws, maxPayload);
  }

  stop(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
  }

  private violate(reason: string): void {
    if (this.done) return;
    this.stop();
    this.onViolation(reason);
    this.ws.terminate();
  }
}
