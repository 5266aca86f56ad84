/**
 * Graphs with the exact input/output signatures of the learned depth nets (their weights cannot reach these
 * machines), and a manifests folder where the two depth manifests point at them (hash and size pinned to the
 * test graph, a local source), so the effect runs through the real model manager, session and
 * pre/post-processing. Each graph returns the picture's brightness as "nearness": the test can then tell
 * that layout, channel order, normalisation, resize and orientation survive the round trip.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OnnxGraph } from '../../models/converters/onnx-graph.ts';
import { defaultManifestsDir } from '../../core/src/models/paths.ts';

/** MiDaS v2.1 small: in `0` [1,3,256,256] (RGB/255) → out `797` [1,256,256]. */
export function midasSignatureGraph(): Uint8Array {
  const g = new OnnxGraph('midas-signature');
  g.addInput('0', 'float32', [1, 3, 256, 256]);
  g.addNode('ReduceMean', ['0'], ['797'], { axes: [1], keepdims: 0 });
  g.addOutput('797', 'float32', [1, 256, 256]);
  return g.toBytes(13);
}

/** Depth Anything V2 (onnx-community): in `pixel_values` [b,3,h,w] (ImageNet-normalised) → `predicted_depth` [b,h,w]. */
export function depthAnythingSignatureGraph(): Uint8Array {
  const g = new OnnxGraph('depth-anything-signature');
  g.addInput('pixel_values', 'float32', ['batch_size', 3, 'height', 'width']);
  const std = g.addFloat('std', [1, 3, 1, 1], [0.229, 0.224, 0.225]);
  const mean = g.addFloat('mean', [1, 3, 1, 1], [0.485, 0.456, 0.406]);
  const [scaled] = g.addNode('Mul', ['pixel_values', std], 1);
  const [rgb] = g.addNode('Add', [scaled!, mean], 1);
  g.addNode('ReduceMean', [rgb!], ['predicted_depth'], { axes: [1], keepdims: 0 });
  g.addOutput('predicted_depth', 'float32', ['batch_size', 'height', 'width']);
  return g.toBytes(13);
}

/**
 * A copy of the manifests folder in `dir` whose depth manifests pin the given graphs (written next to it).
 * `missing`: those model ids point at a file that does not exist instead (the missing-model case).
 */
export async function depthTestManifests(dir: string, missing: readonly string[] = []): Promise<string> {
  const manifests = path.join(dir, 'manifests');
  await mkdir(manifests, { recursive: true });
  for (const f of await readdir(defaultManifestsDir))
    if (f.endsWith('.json')) await copyFile(path.join(defaultManifestsDir, f), path.join(manifests, f));
  const graphs: Record<string, Uint8Array> = {
    'midas-v2.1-small': midasSignatureGraph(),
    'depth-anything-v2-small': depthAnythingSignatureGraph(),
  };
  for (const [id, bytes] of Object.entries(graphs)) {
    const file = path.join(dir, `${id}.test-graph.onnx`);
    await writeFile(file, bytes);
    const m = JSON.parse(await readFile(path.join(manifests, `${id}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    m.sha256 = createHash('sha256').update(bytes).digest('hex');
    m.bytes = bytes.length;
    m.sources = [
      { kind: 'local', path: missing.includes(id) ? path.join(dir, 'not-downloaded.onnx') : file },
    ];
    await writeFile(path.join(manifests, `${id}.json`), JSON.stringify(m, null, 2));
  }
  return manifests;
}
