/**
 * Hostile and broken input against the real daemon: every case gets an `error` reply with a code, and both
 * the connection and the daemon stay usable afterwards (a ping on the same socket, a frame from another).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeFrameMessage, encodeFrameMessage } from '../../core/src/client/protocol.ts';
import { RawSocket, rampPixels, startTestDaemon, type TestDaemon } from './helpers.ts';

let t: TestDaemon;
let s: RawSocket;
let nextId = 100;
beforeAll(async () => {
  t = await startTestDaemon({
    limits: {
      maxFrameWidth: 64,
      maxFrameHeight: 64,
      maxFramePixels: 64 * 64,
      maxInFlightFramesPerConnection: 4,
      maxInFlightBytes: 2 * 64 * 64 * 16,
    },
  });
  s = await RawSocket.authed(t.daemon.url, readFileSync(join(t.dir, 'token'), 'utf8').trim());
});
afterAll(async () => {
  s.close();
  await t.stop();
});

function render(id: number, width: number, height: number, extra: Record<string, unknown> = {}) {
  s.json({
    type: 'frame.render',
    id,
    instance: 'i1',
    effect: 'identity',
    params: { gain: 1 },
    frame: { index: 0, width, height },
    transport: 'binary',
    ...extra,
  });
}

/** The socket still answers, and another client can still render a frame. */
async function stillUsable(): Promise<void> {
  const id = nextId++;
  s.json({ type: 'ping', id });
  expect(await s.reply(id)).toEqual({ type: 'pong', id });
  const other = await t.connect();
  const px = rampPixels(8, 8);
  const out = await other.renderFrame({
    instance: 'u',
    effect: 'identity',
    params: { gain: 2 },
    index: 0,
    width: 8,
    height: 8,
    pixels: px,
  });
  expect(out.pixels![4]).toBeCloseTo(px[4]! * 2);
  other.close();
}

async function nextError(): Promise<Record<string, unknown>> {
  return (await s.next((m) => !Buffer.isBuffer(m) && m.type === 'error')) as unknown as Record<
    string,
    unknown
  >;
}

it('malformed JSON → BAD_JSON', async () => {
  s.send('{"type": "ping", "id": ');
  expect(await nextError()).toMatchObject({ code: 'BAD_JSON' });
  await stillUsable();
});

it('unknown message type → UNKNOWN_TYPE, echoing the id', async () => {
  s.json({ type: 'frame.explode', id: 7 });
  expect(await nextError()).toMatchObject({ code: 'UNKNOWN_TYPE', id: 7 });
  await stillUsable();
});

it('a known type with bad fields → BAD_MESSAGE naming the field', async () => {
  s.json({
    type: 'frame.render',
    id: 8,
    instance: 'x',
    effect: 'identity',
    params: {},
    frame: { index: 0, width: -1, height: 2 },
    transport: 'binary',
  });
  const err = await nextError();
  expect(err).toMatchObject({ code: 'BAD_MESSAGE', id: 8 });
  expect(String(err.message)).toContain('frame.width');
  // Its pixel message is dropped quietly, not reported as unexpected.
  s.send(encodeFrameMessage(8, new Float32Array(8)));
  await stillUsable();
  expect(s.messages.filter((m) => !Buffer.isBuffer(m) && m.type === 'error')).toHaveLength(0);
});

it('a control message over maxJsonBytes → MESSAGE_TOO_LARGE', async () => {
  s.json({ type: 'ping', id: 9, pad: 'x'.repeat(1024 * 1024 + 10) });
  expect(await nextError()).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
  await stillUsable();
});

it('oversized frame → FRAME_TOO_LARGE; its pixels are dropped', async () => {
  render(10, 128, 128);
  s.send(encodeFrameMessage(10, rampPixels(128, 128)));
  expect(await nextError()).toMatchObject({ code: 'FRAME_TOO_LARGE', id: 10 });
  await stillUsable();
  expect(s.messages).toHaveLength(0);
});

it('byte length that disagrees with the dimensions → FRAME_SIZE_MISMATCH', async () => {
  render(11, 16, 16);
  s.send(encodeFrameMessage(11, rampPixels(16, 15)));
  expect(await nextError()).toMatchObject({ code: 'FRAME_SIZE_MISMATCH', id: 11 });
  await stillUsable();
});

it.each([NaN, Infinity, -Infinity])('a %s pixel → NON_FINITE_PIXELS naming it', async (bad) => {
  const px = rampPixels(8, 8);
  px[(3 * 8 + 5) * 4 + 1] = bad;
  const id = nextId++;
  render(id, 8, 8);
  s.send(encodeFrameMessage(id, px));
  const err = await nextError();
  expect(err).toMatchObject({ code: 'NON_FINITE_PIXELS', id });
  expect(String(err.message)).toContain('(5, 3)');
  await stillUsable();
});

it('pixels nobody asked for → UNEXPECTED_BINARY; garbage bytes too', async () => {
  s.send(encodeFrameMessage(999, rampPixels(2, 2)));
  expect(await nextError()).toMatchObject({ code: 'UNEXPECTED_BINARY', id: 999 });
  s.send(Buffer.from([1, 2, 3]));
  expect(await nextError()).toMatchObject({ code: 'UNEXPECTED_BINARY' });
  await stillUsable();
});

it('unknown effect and bad params are refused before the pixels', async () => {
  render(12, 4, 4, { effect: 'nope' });
  s.send(encodeFrameMessage(12, rampPixels(4, 4)));
  expect(await nextError()).toMatchObject({ code: 'UNKNOWN_EFFECT', id: 12 });
  render(13, 4, 4, { params: { gain: 99 } });
  s.send(encodeFrameMessage(13, rampPixels(4, 4)));
  expect(await nextError()).toMatchObject({ code: 'BAD_PARAM', id: 13 });
  await stillUsable();
});

it('in-flight limit → TOO_MANY_IN_FLIGHT; duplicate id → DUPLICATE_ID; cancel frees the slots', async () => {
  for (let id = 20; id < 24; id++) render(id, 4, 4); // pixels withheld: 4 frames wait in flight
  render(20, 4, 4);
  expect(await nextError()).toMatchObject({ code: 'DUPLICATE_ID', id: 20 });
  render(24, 4, 4);
  expect(await nextError()).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', id: 24 });
  for (let id = 20; id < 24; id++) s.json({ type: 'frame.cancel', id });
  for (let id = 20; id < 24; id++) expect(await s.reply(id)).toMatchObject({ code: 'CANCELLED' });
  // Late pixels of cancelled requests are dropped silently.
  s.send(encodeFrameMessage(20, rampPixels(4, 4)));
  await stillUsable();
  expect(s.messages).toHaveLength(0);
});

it("a DUPLICATE_ID refusal leaves the original request whole: its pixels reach it, the duplicate's are dropped", async () => {
  const original = rampPixels(4, 4, 1);
  render(60, 4, 4); // the original waits for its pixels
  render(60, 4, 4, { params: { gain: 3 } }); // same id while it waits: refused
  expect(await nextError()).toMatchObject({ code: 'DUPLICATE_ID', id: 60 });
  s.send(encodeFrameMessage(60, original)); // the original's pixels (sent after its frame.render)
  s.send(encodeFrameMessage(60, rampPixels(4, 4, 2))); // the refused duplicate's pixels
  expect(await s.reply(60)).toEqual({ type: 'frame.result', id: 60, width: 4, height: 4 });
  const pixels = decodeFrameMessage((await s.next((m) => Buffer.isBuffer(m))) as Buffer);
  expect(pixels?.id).toBe(60);
  expect([...pixels!.pixels()]).toEqual([...original]); // gain 1: the original's request and pixels
  await stillUsable();
  // The duplicate's pixels were dropped quietly and no slot is left taken.
  expect(s.messages).toHaveLength(0);
  expect(t.daemon.stats().inFlightFrames).toBe(0);
  expect(t.daemon.stats().inFlightBytes).toBe(0);
});

it('daemon-wide in-flight bytes: another client is refused until frames are answered', async () => {
  render(50, 64, 64);
  render(51, 64, 64); // two full-size frames waiting for pixels fill the daemon's budget
  const other = await t.connect();
  const big = {
    instance: 'o',
    effect: 'identity',
    index: 0,
    width: 64,
    height: 64,
    pixels: rampPixels(64, 64),
  };
  await expect(other.renderFrame(big)).rejects.toMatchObject({ code: 'TOO_MANY_IN_FLIGHT' });
  s.send(encodeFrameMessage(50, rampPixels(64, 64)));
  s.send(encodeFrameMessage(51, rampPixels(64, 64)));
  await s.next((m) => !Buffer.isBuffer(m) && m.type === 'frame.result' && m.id === 50);
  await s.next((m) => !Buffer.isBuffer(m) && m.type === 'frame.result' && m.id === 51);
  s.messages.length = 0; // the two pixel replies
  expect((await other.renderFrame(big)).width).toBe(64);
  expect(t.daemon.stats().inFlightBytes).toBe(0);
  other.close();
});

it('job refusals: relative paths, output = input, unknown job', async () => {
  s.json({ type: 'job.submit', id: 30, job: { effect: 'identity', input: 'in.mov', output: '/tmp/o.mov' } });
  expect(await s.reply(30)).toMatchObject({ code: 'BAD_MESSAGE' });
  s.json({
    type: 'job.submit',
    id: 31,
    job: { effect: 'identity', input: '/tmp/a.mov', output: '/tmp/a.mov' },
  });
  expect(await s.reply(31)).toMatchObject({ code: 'OUTPUT_IS_INPUT' });
  s.json({ type: 'job.cancel', id: 32, jobId: 'job-nope' });
  expect(await s.reply(32)).toMatchObject({ code: 'UNKNOWN_JOB' });
  await stillUsable();
});

it('effect.outputSize: same size for identity; unknown effect refused', async () => {
  s.json({ type: 'effect.outputSize', id: 40, effect: 'identity', params: {}, width: 640, height: 360 });
  expect(await s.reply(40)).toEqual({ type: 'effect.outputSize.ok', id: 40, width: 640, height: 360 });
  s.json({ type: 'effect.outputSize', id: 41, effect: 'nope', params: {}, width: 640, height: 360 });
  expect(await s.reply(41)).toMatchObject({ code: 'UNKNOWN_EFFECT' });
  await stillUsable();
});

it('hello again after authenticating → BAD_MESSAGE, connection kept', async () => {
  s.json({ type: 'hello', protocol: 1, token: 'x', client: { name: 'x', version: '1' } });
  expect(await nextError()).toMatchObject({ code: 'BAD_MESSAGE' });
  await stillUsable();
});
