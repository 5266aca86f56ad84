/**
 * `mlxv` command line. Each command group lives in its own module and registers itself here.
 * Returns the exit code; never calls process.exit, so pending cleanup (temp files, child processes) runs.
 */
import { Command, CommanderError } from 'commander';
import { registerRunCommands } from './run-command.ts';
import { registerModelsCommands } from './models-command.ts';
import { registerServeCommands } from './serve-command.ts';
import { registerAnalyzeCommand } from './analyze-command.ts';
import { registerSearchCommand } from './search-command.ts';
import { registerFarmCommands } from './farm-command.ts';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('mlxv')
    .description('mlxvideo: machine-learning effects for the moving image')
    .exitOverride()
    .showHelpAfterError();
  registerRunCommands(program);
  registerModelsCommands(program);
  registerServeCommands(program);
  registerAnalyzeCommand(program);
  registerSearchCommand(program);
  registerFarmCommands(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
}
