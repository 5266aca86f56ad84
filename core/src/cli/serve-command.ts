import type { Command } from 'commander';

/** Registers: serve, pair (daemon helper). */
export function registerServeCommands(_program: Command): void {}
