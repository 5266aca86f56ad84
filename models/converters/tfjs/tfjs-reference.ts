/**
 * Runs a TFJS graph model in the original runtime (@tensorflow/tfjs + the wasm backend, offline in Node) so
 * tests can compare our ONNX conversion against it. Test support only; the product never loads TFJS.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let backendReady: Promise<void> | undefined;

/** Selects the wasm backend once, loading its .wasm files from the installed package (no network). */
function useWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
    setWasmPaths(path.join(path.dirname(pkg), 'dist') + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('TFJS wasm backend failed to initialise');
    await tf.ready();
  })();
  return backendReady;
}

export interface TensorData {
  data: Float32Array;
  shape: number[];
}

export interface TfjsReference {
  /** Runs the graph; `outputs` are TF tensor names ("node" or "node:1"). */
  run(input: TensorData, outputs: string[]): Promise<TensorData[]>;
  /** Runs a graph with several inputs, by Placeholder name. */
  runNamed(inputs: Record<string, TensorData>, outputs: string[]): Promise<TensorData[]>;
  dispose(): void;
}

export async function loadTfjsReference(modelJsonPath: string): Promise<TfjsReference> {
  await useWasmBackend();
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    signature?: object;
    format?: string;
  };
  const dir = path.dirname(modelJsonPath);
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest)
    for (const p of group.paths) buffers.push(await readFile(path.join(dir, p)));
  const weightData = Buffer.concat(buffers);
  const model = await tf.loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ),
      format: json.format,
      ...(json.signature ? { signature: json.signature } : {}),
    }),
  });
  const execute = async (feed: tf.Tensor | tf.NamedTensorMap, outputs: string[]): Promise<TensorData[]> => {
    const res = model.execute(feed, outputs);
    const list = Array.isArray(res) ? res : [res];
    const out = await Promise.all(
      list.map(async (t) => ({ data: Float32Array.from(await t.data()), shape: [...t.shape] })),
    );
    tf.dispose([...(feed instanceof tf.Tensor ? [feed] : Object.values(feed)), ...list]);
    return out;
  };
  return {
    run: (input, outputs) => execute(tf.tensor(input.data, input.shape, 'float32'), outputs),
    runNamed: (inputs, outputs) =>
      execute(
        Object.fromEntries(
          Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape, 'float32')]),
        ),
        outputs,
      ),
    dispose: () => model.dispose(),
  };
}
