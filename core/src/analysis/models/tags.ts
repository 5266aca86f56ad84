/**
 * ImageNet-1k tags with MobileNetV2 (`mobilenetv2-int8`): the centre square of the frame (the network's
 * training crop), softmax over the 1000 logits, the labels above a floor.
 */
import { readFileSync } from 'node:fs';
import type { F32Frame } from '../../effects/frame.ts';
import { runOn, type AnalysisModel } from './run-model.ts';

let labels: string[][] | undefined;

/** Each class's names, most common first ("tabby, tabby cat" -> ["tabby", "tabby cat"]). */
export function imagenetLabels(): string[][] {
  labels ??= readFileSync(new URL('../labels/imagenet-classes.txt', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((s) => s.trim()));
  return labels;
}

export interface Tag {
  label: string;
  /** Other names of the class (searchable). */
  synonyms: string[];
  score: number;
}

export async function classify(
  model: AnalysisModel,
  frame: F32Frame,
  top = 5,
  minScore = 0.05,
): Promise<Tag[]> {
  const side = Math.min(frame.width, frame.height);
  const region = {
    x: Math.floor((frame.width - side) / 2),
    y: Math.floor((frame.height - side) / 2),
    width: side,
    height: side,
  };
  const { outputs } = await runOn(model, frame, { region });
  const logits = outputs[model.session.outputNames[0]!]!.data as Float32Array;
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const probs = Array.from(logits, (v) => Math.exp(v - max));
  const sum = probs.reduce((a, b) => a + b, 0);
  const names = imagenetLabels();
  return probs
    .map((p, i) => ({ i, p: p / sum }))
    .sort((a, b) => b.p - a.p)
    .slice(0, top)
    .filter((x) => x.p >= minScore)
    .map(({ i, p }) => ({ label: names[i]![0]!, synonyms: names[i]!.slice(1), score: p }));
}
