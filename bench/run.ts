/**
 * `npm run bench [name ...]`: runs every bench/sections/*.ts (or those whose file name contains one of the
 * arguments), then writes bench/results/latest.md and latest.json with the machine they ran on.
 * A section that throws is recorded as failed with its message; the others still run.
 * A filtered run replaces only the sections it ran: the others keep their previous results (with their date),
 * so owners of different sections can each refresh theirs without erasing the rest.
 * `npm run bench -- --render` only rewrites latest.md from latest.json (after sections measured on different
 * branches were merged into one latest.json), measuring nothing.
 */
import { readdir, mkdir, writeFile, readFile, rename } from 'node:fs/promises';
import { cpus, loadavg, totalmem, platform, release } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { BenchCell, BenchSection, BenchSectionModule } from './types.ts';
import { round1 } from './support.ts';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const sectionsDir = path.join(benchDir, 'sections');
const resultsDir = path.join(benchDir, 'results');

interface SectionResult {
  name: string;
  /** When this section ran (ISO). */
  date: string;
  seconds: number;
  section?: BenchSection;
  error?: string;
}

/** Load before the run: other work on the machine skews every timing, so the report says how busy it was. */
const loadAtStart = loadavg()[0]!;

async function main(filters: readonly string[]): Promise<number> {
  if (filters.includes('--render')) {
    const json = path.join(resultsDir, 'latest.json');
    const report = JSON.parse(await readFile(json, 'utf8')) as Parameters<typeof toMarkdown>[0];
    await writeAtomically(path.join(resultsDir, 'latest.md'), toMarkdown(report));
    process.stderr.write(`bench: rewrote latest.md from ${json}\n`);
    return 0;
  }
  const names = (await readdir(sectionsDir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)))
    .sort();
  if (names.length === 0) {
    process.stderr.write(
      `bench: no section matches ${filters.join(', ')}; sections live in ${sectionsDir}\n`,
    );
    return 2;
  }
  const results: SectionResult[] = [];
  for (const name of names) {
    process.stderr.write(`bench: ${name} ...\n`);
    const t0 = performance.now();
    try {
      const mod = (await import(
        pathToFileURL(path.join(sectionsDir, `${name}.ts`)).href
      )) as BenchSectionModule;
      const section = await mod.run();
      results.push({
        name,
        date: new Date().toISOString(),
        seconds: (performance.now() - t0) / 1000,
        section,
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      process.stderr.write(`bench: ${name} failed: ${error}\n`);
      results.push({ name, date: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, error });
    }
  }
  await mkdir(resultsDir, { recursive: true });
  const kept = filters.length ? (await previousSections()).filter((p) => !names.includes(p.name)) : [];
  const sections = [...kept, ...results].sort((a, b) => a.name.localeCompare(b.name));
  const machine = await machineInfo(sections);
  const report = { date: new Date().toISOString(), machine, filters, sections };
  await writeAtomically(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  await writeAtomically(path.join(resultsDir, 'latest.md'), toMarkdown(report));
  process.stderr.write(`bench: wrote ${path.join(resultsDir, 'latest.md')} and latest.json\n`);
  return results.some((r) => r.error) ? 1 : 0;
}

/** Sections of the previous latest.json that still have a file in bench/sections. */
async function previousSections(): Promise<SectionResult[]> {
  try {
    const previous = JSON.parse(await readFile(path.join(resultsDir, 'latest.json'), 'utf8')) as {
      date?: string;
      sections?: SectionResult[];
    };
    const present = new Set((await readdir(sectionsDir)).map((f) => f.replace(/\.ts$/, '')));
    return (previous.sections ?? [])
      .filter((r) => present.has(r.name))
      .map((r) => ({ ...r, date: r.date ?? previous.date ?? 'unknown' }));
  } catch {
    return [];
  }
}

async function machineInfo(results: readonly SectionResult[]) {
  const cpuList = cpus();
  const providers = [...new Set(results.flatMap((r) => r.section?.providers ?? []))];
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: round1(totalmem() / 2 ** 30),
    loadAverage: { atStart: round1(loadAtStart), atEnd: round1(loadavg()[0]!) },
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntime: await packageVersion('onnxruntime-node'),
    executionProviders: providers.length ? providers : ['(no section reported one)'],
  };
}

async function packageVersion(name: string): Promise<string> {
  try {
    const pkg = path.join(benchDir, '..', 'node_modules', name, 'package.json');
    return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function toMarkdown(report: {
  date: string;
  machine: Awaited<ReturnType<typeof machineInfo>>;
  sections: readonly SectionResult[];
}): string {
  const m = report.machine;
  const out = [
    '# mlxvideo benchmark results',
    '',
    `Run ${report.date} with \`npm run bench\`.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; ` +
      `onnxruntime-node ${m.onnxruntime}; execution providers used: ${m.executionProviders.join(', ')}. ` +
      `1-minute load average ${m.loadAverage.atStart} at the start, ${m.loadAverage.atEnd} at the end ` +
      `(above the core count means other work competed for the CPU).`,
    '',
  ];
  for (const r of report.sections) {
    out.push(
      `## ${r.section?.title ?? r.name}`,
      '',
      `_section \`${r.name}\`, run ${r.date}, ${r.seconds.toFixed(1)} s_`,
      '',
    );
    if (r.error || !r.section) {
      out.push(`**Failed:** ${r.error ?? 'no result'}`, '');
      continue;
    }
    const { columns, rows, notes } = r.section;
    out.push(`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`);
    for (const row of rows) out.push(`| ${row.map(formatCell).join(' | ')} |`);
    out.push('');
    for (const note of notes) out.push(`- ${note}`);
    out.push('');
  }
  return out.join('\n');
}

function formatCell(cell: BenchCell): string {
  if (cell === null) return '–';
  if (typeof cell === 'number')
    return Number.isInteger(cell) ? String(cell) : cell.toFixed(Math.abs(cell) < 10 ? 3 : 1);
  return cell.replace(/\|/g, '\\|');
}

process.exitCode = await main(process.argv.slice(2));
