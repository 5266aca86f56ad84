/**
 * zod schemas for every message a client may send (the types live in core/src/client/protocol.ts, which
 * must stay dependency-free for the panels). The `satisfies` checks below keep both in step.
 */
import { z } from 'zod';
import type { ClientMessage } from '../client/protocol.ts';

const id = z.number().int().min(0).max(0xffffffff);
const clientInfo = z.object({ name: z.string().max(200), version: z.string().max(100) });
const shortString = z.string().min(1).max(256);
/** POSIX shm names: one leading slash, no other slash, portable characters (also valid on Windows). */
export const shmName = z.string().regex(/^\/[A-Za-z0-9._-]{1,200}$/, 'shm names look like "/mlxv-abc123"');

const shmTransport = z.object({
  shm: shmName,
  bytes: z.number().int().positive(),
  outShm: shmName,
  outBytes: z.number().int().positive(),
});

const jobSpec = z.object({
  effect: shortString,
  /** Empty for generators (they take no input file). */
  input: z.string().max(4096),
  output: z.string().min(1).max(4096),
  params: z.record(z.string(), z.unknown()).optional(),
  frames: z.object({ start: z.number().int().min(0), end: z.number().int().min(0).optional() }).optional(),
  format: z
    .enum([
      'prores4444',
      'png-sequence',
      'exr-sequence',
      'webm-vp9',
      'h264',
      'png',
      'jpeg',
      'tiff',
      'webp',
      'exr',
    ])
    .optional(),
  overwrite: z.boolean().optional(),
});

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    token: z.string().max(512),
    client: clientInfo,
  }),
  z.object({ type: z.literal('pair'), code: z.string().max(32), client: clientInfo }),
  z.object({ type: z.literal('pair.code'), id }),
  z.object({
    type: z.literal('frame.render'),
    id,
    instance: shortString,
    effect: shortString,
    params: z.record(z.string(), z.unknown()),
    frame: z.object({
      index: z.number().int(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    }),
    transport: z.union([z.literal('binary'), shmTransport]),
  }),
  z.object({ type: z.literal('frame.cancel'), id }),
  z.object({ type: z.literal('instance.close'), id: id.optional(), instance: shortString }),
  z.object({ type: z.literal('shm.create'), id, bytes: z.number().int().positive() }),
  z.object({ type: z.literal('shm.release'), id, name: shmName }),
  z.object({ type: z.literal('job.submit'), id, job: jobSpec, keepAlive: z.boolean().optional() }),
  z.object({ type: z.literal('job.cancel'), id, jobId: shortString }),
  z.object({ type: z.literal('job.list'), id }),
  z.object({ type: z.literal('job.subscribe'), id, jobId: shortString }),
  z.object({
    type: z.literal('effect.outputSize'),
    id,
    effect: shortString,
    params: z.record(z.string(), z.unknown()),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  }),
  z.object({
    type: z.literal('analysis.markers'),
    id,
    analysis: z.string().min(1).max(4096),
    index: z.string().min(1).max(4096).optional(),
  }),
  z.object({ type: z.literal('face.tracks'), id, analysis: z.string().min(1).max(4096) }),
  z.object({ type: z.literal('ping'), id }),
]);

export type ParsedClientMessage = z.infer<typeof clientMessageSchema>;
// Compile-time check that the zod schema and the published protocol types agree.
export const _schemaMatchesProtocol = (m: ParsedClientMessage): ClientMessage => m;

export const KNOWN_TYPES: ReadonlySet<string> = new Set<string>(
  clientMessageSchema.options.map((o) => o.shape.type.value),
);

export type ParseResult =
  | { ok: true; msg: ParsedClientMessage }
  | {
      ok: false;
      code: 'BAD_JSON' | 'BAD_MESSAGE' | 'UNKNOWN_TYPE';
      message: string;
      id?: number;
      /** A rejected binary-transport frame.render: its pixel message will follow and must be dropped. */
      binaryFollows?: boolean;
    };

/** Parses one text message; failures carry the request id when one could be read, so replies can echo it. */
export function parseClientMessage(text: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'BAD_JSON', message: `message is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'BAD_MESSAGE', message: 'message must be a JSON object with a "type"' };
  }
  const obj = raw as Record<string, unknown>;
  const rid = typeof obj.id === 'number' && Number.isInteger(obj.id) ? obj.id : undefined;
  const withId = rid === undefined ? {} : { id: rid };
  if (typeof obj.type !== 'string' || !KNOWN_TYPES.has(obj.type)) {
    return {
      ok: false,
      code: 'UNKNOWN_TYPE',
      message: `unknown message type ${JSON.stringify(obj.type)}; known: ${[...KNOWN_TYPES].join(', ')}`,
      ...withId,
    };
  }
  const parsed = clientMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const binaryFollows = obj.type === 'frame.render' && obj.transport === 'binary';
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      code: 'BAD_MESSAGE',
      message: `invalid ${obj.type}: ${issue ? `${issue.path.join('.') || '(message)'}: ${issue.message}` : 'invalid'}`,
      ...withId,
      ...(binaryFollows ? { binaryFollows } : {}),
    };
  }
  return { ok: true, msg: parsed.data };
}
