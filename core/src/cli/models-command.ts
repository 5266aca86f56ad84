import type { Command } from 'commander';

/** Registers: models list|verify|where|fetch (models helper). */
export function registerModelsCommands(_program: Command): void {}
