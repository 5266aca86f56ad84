import type { Command } from 'commander';

/** Registers: run, effects, demo (CLI/pipeline helper). */
export function registerRunCommands(_program: Command): void {}
