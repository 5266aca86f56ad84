/** `mlxv` command line. Returns the exit code; never calls process.exit so pending cleanup runs. */
export async function main(argv: readonly string[]): Promise<number> {
  process.stderr.write(`mlxv: not implemented yet (${argv.join(' ')})\n`);
  return 1;
}
