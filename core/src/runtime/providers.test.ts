import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linuxHasGpuDevice, precheckProvider } from './providers.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fake /dev holding the given entries (files stand in for device nodes: only names are looked at). */
function fakeDev(entries: string[]): string {
  const dev = mkdtempSync(path.join(tmpdir(), 'mlxv-fake-dev-'));
  dirs.push(dev);
  for (const e of entries) {
    mkdirSync(path.dirname(path.join(dev, e)), { recursive: true });
    writeFileSync(path.join(dev, e), '');
  }
  return dev;
}

describe('webgpu precheck on Linux', () => {
  it('skips webgpu when the machine has no GPU device, with the reason', () => {
    const reason = precheckProvider('webgpu', { platform: 'linux', hasGpuDevice: () => false });
    expect(reason).toMatch(/no GPU render node \(\/dev\/dri\/renderD\*\)/);
  });

  it('keeps webgpu in the chain where a device exists, and elsewhere than Linux', () => {
    // undefined or a reason about the onnxruntime build, never the device reason.
    const withDevice = precheckProvider('webgpu', { platform: 'linux', hasGpuDevice: () => true });
    expect(withDevice ?? '').not.toMatch(/render node/);
    const mac = precheckProvider('webgpu', { platform: 'darwin', hasGpuDevice: () => false });
    expect(mac ?? '').not.toMatch(/render node/);
    expect(precheckProvider('cpu', { platform: 'linux', hasGpuDevice: () => false })).toBeUndefined();
  });

  it('finds render nodes and NVIDIA device nodes, and nothing in an empty /dev', () => {
    expect(linuxHasGpuDevice(fakeDev(['dri/renderD128']))).toBe(true);
    expect(linuxHasGpuDevice(fakeDev(['nvidia0', 'nvidiactl']))).toBe(true);
    // A card node alone (display only, e.g. a virtual framebuffer) has no render node to compute on.
    expect(linuxHasGpuDevice(fakeDev(['dri/card0', 'null', 'tty']))).toBe(false);
    expect(linuxHasGpuDevice(path.join(tmpdir(), 'mlxv-no-such-dev'))).toBe(false);
  });
});
