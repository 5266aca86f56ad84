/**
 * Execution-provider chain (onnxruntime-js style: a priority-ordered backend list that falls through on
 * failure). Per platform: linux cuda -> webgpu -> cpu; win32 dml -> cuda -> webgpu -> cpu;
 * darwin coreml -> webgpu -> cpu. `MLXV_PROVIDERS=cpu` (comma list) overrides.
 * A provider is skipped without trying when this onnxruntime-node build cannot have it (not in
 * listSupportedBackends(), CUDA's provider libraries were never installed, or on Linux there is no GPU device for
 * WebGPU to drive); the reason is reported.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from './types.ts';
import { findPackageDir } from '../models/npm-package.ts';

export const allProviders: readonly ExecutionProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];

export function platformProviderChain(platform: NodeJS.Platform = process.platform): ExecutionProviderName[] {
  switch (platform) {
    case 'linux':
      return ['cuda', 'webgpu', 'cpu'];
    case 'win32':
      return ['dml', 'cuda', 'webgpu', 'cpu'];
    case 'darwin':
      return ['coreml', 'webgpu', 'cpu'];
    default:
      return ['cpu'];
  }
}

/** The chain to use: explicit > $MLXV_PROVIDERS > the platform's default. */
export function providerChain(
  explicit?: readonly ExecutionProviderName[],
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): ExecutionProviderName[] {
  if (explicit?.length) return [...explicit];
  const fromEnv = env.MLXV_PROVIDERS?.trim();
  if (fromEnv) {
    const names = fromEnv.split(',').map((s) => s.trim().toLowerCase());
    const bad = names.filter((n) => !(allProviders as readonly string[]).includes(n));
    if (bad.length) {
      throw new Error(
        `MLXV_PROVIDERS names unknown providers: ${bad.join(', ')} (known: ${allProviders.join(', ')})`,
      );
    }
    return names as ExecutionProviderName[];
  }
  return platformProviderChain(platform);
}

interface Backend {
  name: string;
  bundled: boolean;
}

function supportedBackends(): Backend[] | undefined {
  const list = (ort as unknown as { listSupportedBackends?: () => Backend[] }).listSupportedBackends;
  return typeof list === 'function' ? list() : undefined;
}

/** The folder holding the native binding (and, when installed, the CUDA provider libraries). */
function bindingDir(): string | undefined {
  try {
    return path.join(findPackageDir('onnxruntime-node'), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/**
 * Whether this Linux machine has a device node a GPU driver exposes: a DRM render node (Mesa: AMD, Intel,
 * nouveau) or NVIDIA's proprietary /dev/nvidia*.
 */
export function linuxHasGpuDevice(devDir = '/dev'): boolean {
  const names = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  return (
    names(path.join(devDir, 'dri')).some((n) => n.startsWith('renderD')) ||
    names(devDir).some((n) => n.startsWith('nvidia'))
  );
}

export interface PrecheckOptions {
  platform?: NodeJS.Platform;
  /** Injectable for tests; default looks in /dev. */
  hasGpuDevice?: () => boolean;
}

/** Why `provider` cannot work in this process without trying it, or undefined when it is worth a try. */
export function precheckProvider(
  provider: ExecutionProviderName,
  options: PrecheckOptions = {},
): string | undefined {
  if (provider === 'cpu') return undefined;
  const platform = options.platform ?? process.platform;
  // Without a device, trying WebGPU only fails after Dawn has printed XDG_RUNTIME_DIR and Vulkan warnings to
  // stderr on every run (containers, CI, headless servers); nothing is lost by not trying.
  if (provider === 'webgpu' && platform === 'linux' && !(options.hasGpuDevice ?? linuxHasGpuDevice)()) {
    return 'no GPU render node (/dev/dri/renderD*) or /dev/nvidia* on this machine';
  }
  const backends = supportedBackends();
  if (!backends) return undefined;
  const entry = backends.find((b) => b.name === provider);
  if (!entry) {
    return `not in this onnxruntime-node build for ${process.platform}/${process.arch} (has: ${backends.map((b) => b.name).join(', ')})`;
  }
  if (!entry.bundled && provider === 'cuda' && process.platform === 'linux') {
    const dir = bindingDir();
    if (dir) {
      for (const lib of ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']) {
        if (!existsSync(path.join(dir, lib))) {
          return `${lib} missing in ${dir} (onnxruntime-node was installed with onnxruntime-node-install=skip; reinstall it without that flag, with network access, to get the CUDA provider)`;
        }
      }
    }
  }
  return undefined;
}

/**
 * Failures that are about the provider, not the model (no adapter, a library that does not load): remembered
 * for the process so each later model does not pay for (and print) the same failure again.
 */
export function isProcessWideFailure(message: string): boolean {
  return /adapter|shared librar|failed to load|cannot open shared object|backend not found|no available backend/i.test(
    message,
  );
}
