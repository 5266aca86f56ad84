/**
 * Broken inputs are clear errors naming the file or node, never a crash or a silently wrong model: the real
 * selfie model's model.json and shard, copied and damaged in the ways downloads and disks damage files.
 */
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convertTfjsGraph, TfjsModelError, UnsupportedTfjsError } from './index.ts';
import { tfjsSource } from './test-support.ts';

let dir: string;
let modelJson: string;
let shard: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mlxv-tfjs-'));
  const { files } = tfjsSource('selfie-segmentation');
  modelJson = path.join(dir, 'selfie.json');
  shard = path.join(dir, 'selfie.bin');
  await copyFile(files.model!, modelJson);
  await copyFile(path.join(path.dirname(files.model!), 'selfie.bin'), shard);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const convert = (options: Record<string, unknown> = {}): Promise<Uint8Array> =>
  convertTfjsGraph({ model: modelJson }, options);

async function editJson(
  edit: (j: { modelTopology: { node: { name: string; op: string; input?: string[] }[] } }) => void,
) {
  const j = JSON.parse(await readFile(modelJson, 'utf8'));
  edit(j);
  await writeFile(modelJson, JSON.stringify(j));
}

describe('TFJS converter on damaged or unsupported models', () => {
  it('converts the undamaged copy (the fixture itself is sound)', async () => {
    expect((await convert()).length).toBeGreaterThan(400_000);
  });

  it('a truncated model.json is a clear error naming the file', async () => {
    const text = await readFile(modelJson, 'utf8');
    await writeFile(modelJson, text.slice(0, Math.floor(text.length / 2)));
    const err = convert();
    await expect(err).rejects.toThrow(TfjsModelError);
    await expect(err).rejects.toThrow(/selfie\.json is not valid JSON .*corrupt or truncated/);
  });

  it('a model.json without a graph is refused', async () => {
    await writeFile(modelJson, JSON.stringify({ format: 'graph-model', weightsManifest: [] }));
    await expect(convert()).rejects.toThrow(/no modelTopology\.node list/);
  });

  it('a truncated weight shard is a clear error with both byte counts', async () => {
    await truncate(shard, 200_000);
    await expect(convert()).rejects.toThrow(
      /selfie\.bin hold 200000 bytes but the manifest needs at least \d+/,
    );
  });

  it('a shard with extra bytes (wrong file or appended garbage) is refused', async () => {
    await appendFile(shard, Buffer.alloc(16));
    await expect(convert()).rejects.toThrow(
      /hold \d+ bytes but the manifest describes \d+; the shard is corrupt/,
    );
  });

  it('a missing shard names the path it looked for', async () => {
    await rm(shard);
    await expect(convert()).rejects.toThrow(/cannot read weight shard .*selfie\.bin/);
  });

  it('an op the converter does not map is named together with its node', async () => {
    await editJson((j) => {
      const n = j.modelTopology.node.find((x) => x.op === 'Sigmoid')!;
      n.op = 'FancyOp';
    });
    const err = convert();
    await expect(err).rejects.toThrow(UnsupportedTfjsError);
    await expect(err).rejects.toThrow(/does not map: FancyOp \(node "[^"]+"\)/);
  });

  it('a node reading a tensor no node produces is reported as a corrupt graph', async () => {
    await editJson((j) => {
      const n = j.modelTopology.node.find((x) => x.op === 'Relu')!;
      n.input = ['no_such_node'];
    });
    await expect(convert()).rejects.toThrow(/reads "no_such_node", which is not in the graph/);
  });

  it('a requested output that is not in the graph is refused', async () => {
    await expect(convert({ outputs: { mask: 'nope' } })).rejects.toThrow(/output "nope" is not a node/);
    await expect(convert({ outputs: 42 })).rejects.toThrow(/option "outputs" must be/);
  });
});
