/** The OFX plugin's failure behaviour (see fault-scenarios.ts), with the normal build. */
import { describe } from 'vitest';
import { registerFaultTests } from './fault-scenarios.ts';
import { ofxBuild } from './helpers.ts';

describe('OFX plugin faults', () => {
  registerFaultTests(() => ofxBuild());
});
