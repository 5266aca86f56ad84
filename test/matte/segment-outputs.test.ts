/**
 * The matte's segmenter fetches only the mask. ISNet's graph (imgly's export) has 12 outputs — the mask, six
 * side masks and five feature maps, 118 MB at 1024x1024 — and onnxruntime-node copies every fetched output
 * into a new JS tensor on each run. On the real model through the real session manager: a run that names the
 * mask returns the mask alone, equal to the same output of a run that fetches everything; and segmentFrame
 * asks for exactly that output.
 */
import { afterAll, expect, it } from 'vitest';
import { Tensor } from 'onnxruntime-node';
import { createEffectContext } from '../../core/src/runtime/context.ts';
import { getManifest } from '../../core/src/models/manifests.ts';
import { segmentFrame } from '../../core/src/effects/matte/segment.ts';
import { frameToTensor } from '../../core/src/runtime/tensor.ts';
import type { LoadedSession } from '../../core/src/runtime/types.ts';
import { decodeAll } from './helpers.ts';
import { fixture } from '../support/paths.ts';

const ctx = createEffectContext();
afterAll(() => ctx.sessions.dispose());

it('ISNet: naming the mask output returns it alone, identical to the full fetch; segmentFrame names it', async () => {
  const session = await ctx.sessions.get('isnet-general-small');
  expect(session.outputNames.length).toBe(12);
  const spec = getManifest('isnet-general-small').input;
  const [frame] = await decodeAll(fixture('closeup-2398.mp4'), { start: 0, end: 0 });
  const packed = frameToTensor(frame!, spec);
  const feeds = { [spec.name]: new Tensor('float32', packed.data, packed.dims) };
  const mask = session.outputNames[0]!;
  const all = await session.run(feeds);
  const one = await session.run(feeds, [mask]);
  expect(Object.keys(one)).toEqual([mask]);
  expect((one[mask] as Tensor).data).toEqual((all[mask] as Tensor).data);

  const asked: (readonly string[] | undefined)[] = [];
  const recording: LoadedSession = {
    ...session,
    run: (f, outputs) => {
      asked.push(outputs);
      return session.run(f, outputs);
    },
  };
  const alpha = await segmentFrame({ session: recording, spec }, frame!);
  expect(asked).toEqual([[mask]]);
  expect(alpha.width).toBe(frame!.width);
});
