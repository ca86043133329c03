/**
 * `npm run bench`: runs every benchmark (test/bench/*.bench.ts) one after another and lets
 * each print its own table. Benchmarks are scripts, never timed tests: the machine is shared.
 * `npm run bench -- report` runs only the benchmarks whose file name contains "report".
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const benches = readdirSync(here).filter((name) => name.endsWith('.bench.js') && name.includes(filter)).sort();

console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
for (const name of benches) {
  console.log(`\n## ${name.replace(/\.bench\.js$/, '')}`);
  const bench = (await import(new URL(name, import.meta.url).href)) as { run(): Promise<void> };
  await bench.run();
}
