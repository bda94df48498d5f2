// A vitest reporter that turns what the tests recorded (results/records.jsonl) into
// results/reliability.md once the whole suite has passed. scripts/update-readme.mjs copies
// that file into the root README. A partial or failed run writes reliability.partial.md instead.
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule, TestRunEndReason, TestSpecification } from 'vitest/node';
import { RECORDS, type RecordEntry, readRecords, SCALE } from './helpers.js';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const TEST_DIR = fileURLToPath(new URL('./', import.meta.url));

export default class ResultsReporter implements Reporter {
  #started = 0;
  #complete = false;

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.#started = performance.now();
    rmSync(RECORDS, { force: true });
    const all = readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts'));
    const running = new Set(specifications.map((s) => basename(s.moduleId)));
    this.#complete = all.every((f) => running.has(f));
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): void {
    const records = readRecords();
    const skipped = testModules.some((m) =>
      [...m.children.allTests()].some((t) => t.result().state !== 'passed'),
    );
    const ok = reason === 'passed' && unhandledErrors.length === 0 && this.#complete && !skipped;
    const seconds = (performance.now() - this.#started) / 1000;
    // Tests marked it.fails: known bugs, reported with a proposed patch; listed in the results.
    const knownBugs = testModules.flatMap((m) =>
      [...m.children.allTests()].filter((t) => t.options.fails === true).map((t) => t.name),
    );
    const markdown = render(records, seconds, ok, knownBugs);
    const file = ok ? 'reliability.md' : 'reliability.partial.md';
    writeFileSync(`${RESULTS}${file}`, markdown);
    if (ok && existsSync(`${RESULTS}reliability.partial.md`)) rmSync(`${RESULTS}reliability.partial.md`);
    console.log(`\nfault suite results: apps/faults/results/${file}`);
  }
}

function row(cells: string[]): string {
  return `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
}

function render(
  records: (RecordEntry & { scale: string })[],
  seconds: number,
  ok: boolean,
  knownBugs: string[],
): string {
  const load = records.filter((r) => r.section === 'load');
  const faults = records.filter((r) => r.section === 'faults');
  const bad = records.filter((r) => r.section === 'bad-input');
  const lost = load.reduce((n, r) => n + (r.lost ?? 0), 0);
  const duplicated = load.reduce((n, r) => n + (r.duplicated ?? 0), 0);
  const items = load.reduce((n, r) => n + (r.items ?? 0), 0);
  const cases = bad.reduce((n, r) => n + (r.cases ?? 1), 0);
  const scaleNote =
    SCALE === null
      ? "the CI load figures (`FAULTS_SCALE` unset; `FAULTS_SCALE=1` runs the issue's full figures)"
      : `\`FAULTS_SCALE=${SCALE}\` (${SCALE === 1 ? "the issue's full figures" : `${SCALE} of the issue's figures`}; CI leaves it unset)`;
  const lines = [
    '<!-- Written by apps/faults/test/results-reporter.ts at the end of `pnpm test:faults`; do not edit. -->',
    ok ? '' : '**Partial or failed run: these figures are incomplete.**\n',
    `Produced by the fault suite (\`apps/faults\`, run by \`pnpm test:faults\` and \`pnpm test\`) on ${new Date().toISOString().slice(0, 10)}:`,
    `Node ${process.version}, ${availableParallelism()} CPUs, ${scaleNote}; the suite took ${Math.round(seconds)} s.`,
    '',
    `- **Items lost: ${lost}**, duplicated: ${duplicated}, out of ${items.toLocaleString('en-US')} items through the load tests`,
    `- **Faults survived: ${faults.length}** (each ended in its documented outcome within 10 s; the survivors kept working)`,
    `- **Bad inputs tried: ${cases.toLocaleString('en-US')}** (the host never crashed, never answered with another client's data, and kept serving a well-behaved client)`,
    ...(knownBugs.length > 0
      ? [
          `- **Known bugs: ${knownBugs.length}**, kept as \`it.fails\` tests until fixed: ${knownBugs.map((b) => `"${b}"`).join('; ')}`,
        ]
      : []),
    '',
    '#### Load',
    '',
    row(['workload', 'result']),
    row(['---', '---']),
    ...load.map((r) => row([r.name, r.result])),
    '',
    '#### Faults',
    '',
    row(['fault', 'outcome']),
    row(['---', '---']),
    ...faults.map((r) => row([r.name, r.result])),
    '',
    '#### Bad input',
    '',
    row(['input', 'cases', 'outcome']),
    row(['---', '--:', '---']),
    ...bad.map((r) => row([r.name, (r.cases ?? 1).toLocaleString('en-US'), r.result])),
    '',
  ];
  return lines.filter((l, i) => !(l === '' && i === 1)).join('\n');
}
