#!/usr/bin/env node
// Copies results/reliability.md (written by the fault suite at the end of a passing run) into the
// root README.md, between the `<!-- reliability:start -->` and `<!-- reliability:end -->` markers.
// `--check` only reports whether the README is up to date (exit 1 if not).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';
const results = fileURLToPath(new URL('../results/reliability.md', import.meta.url));
const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));

if (!existsSync(results)) {
  console.error('no results/reliability.md yet: run `pnpm test:faults` first');
  process.exit(1);
}
const body = readFileSync(results, 'utf8').trim();
const text = readFileSync(readme, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start === -1 || end === -1 || end < start) {
  console.error(`README.md has no ${START} ... ${END} markers (under a "## Reliability" heading)`);
  process.exit(1);
}
const updated = `${text.slice(0, start + START.length)}\n${body}\n${text.slice(end)}`;
if (process.argv.includes('--check')) {
  if (updated !== text) {
    console.error(
      'README.md reliability section is out of date: run `node apps/faults/scripts/update-readme.mjs`',
    );
    process.exit(1);
  }
  console.log('README.md reliability section is up to date');
} else if (updated !== text) {
  writeFileSync(readme, updated);
  console.log('README.md reliability section updated from apps/faults/results/reliability.md');
} else {
  console.log('README.md reliability section already up to date');
}
