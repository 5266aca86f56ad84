/**
 * The plugin and the test host built with -DMLXV_SANITIZE=ON (AddressSanitizer + UBSan, build/asan-ofx),
 * running every fault scenario: any sanitizer report on the host's stderr fails the test. The build is
 * incremental, so only the first run (a fresh CI clone) pays for compiling.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerFaultTests } from './fault-scenarios.ts';
import { ofxBuild } from './helpers.ts';

describe('OFX plugin faults under AddressSanitizer + UBSan', () => {
  it('really is a sanitizer build (plugin and host link the ASan runtime)', () => {
    const build = ofxBuild('asan');
    const plugin = path.join(build.bundle, 'Contents', 'Linux-x86-64', 'mlxvideo.ofx');
    for (const bin of [build.host, plugin])
      expect(execFileSync('ldd', [bin], { encoding: 'utf8' })).toMatch(/libasan/);
  });
  registerFaultTests(() => ofxBuild('asan'));
});
