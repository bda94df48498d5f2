#!/usr/bin/env node
// pnpm bench: each workload on multiproc and its anchors, N runs each, every
// run in its own child process group (reaped whatever happens). Writes
// results/latest.md and prints it. Never a timed assertion: a run fails only
// if it crashes, hangs past the guard, or prints no RESULT line.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import w1 from './workloads/w1-process-start.mjs';
import w2 from './workloads/w2-pipe.mjs';
import w3 from './workloads/w3-queue.mjs';
import w4 from './workloads/w4-pool.mjs';
import w5 from './workloads/w5-event.mjs';
import w6 from './workloads/w6-memory.mjs';

const WORKLOADS = [w1, w2, w3, w4, w5, w6];

function parseArgs(argv) {
  const opts = { quick: false, runs: undefined, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--only') opts.only = argv[++i].toUpperCase().split(',');
    else if (a === '--') continue;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node src/run.mjs [--quick] [--runs N] [--only W1,W3]');
      process.exit(0);
    } else {
      console.error(`unknown argument: ${a}`);
      process.exit(2);
    }
  }
  opts.runs ??= opts.quick ? 1 : 5;
  if (!Number.isInteger(opts.runs) || opts.runs < 1) {
    console.error('--runs needs an integer >= 1');
    process.exit(2);
  }
  return opts;
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function pythonInfo() {
  const py = which('python3');
  if (!py) return {};
  try {
    const v = execFileSync(py, ['-c', 'import sys, multiprocessing; print(sys.version.split()[0])'], {
      encoding: 'utf8',
    }).trim();
    return { python: py, pythonVersion: v };
  } catch {
    return {};
  }
}

const live = new Set();
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of live) killGroup(pid);
    process.exit(130);
  });
}
process.on('exit', () => {
  for (const pid of live) killGroup(pid);
});

/** One run of one case: its own process group, killed as a group at the end. */
function runOnce(cmd, guardMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), {
      detached: true, // own process group, so grandchildren are reaped too
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    live.add(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const guard = setTimeout(() => killGroup(child.pid), guardMs);
    const finish = (code, signal, spawnErr) => {
      clearTimeout(guard);
      killGroup(child.pid); // leftovers (spares, grandchildren) go too
      live.delete(child.pid);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line && code === 0) return resolve(JSON.parse(line.slice(7)));
      const why =
        spawnErr?.message ?? (signal ? `killed by ${signal} (guard ${guardMs} ms?)` : `exit ${code}`);
      resolve({ error: `${why}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}` });
    };
    child.once('error', (e) => finish(null, null, e));
    child.once('close', (code, signal) => finish(code, signal));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function fmt(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return '';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  return Number(x.toPrecision(3)).toString();
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const ctx = { quick: opts.quick, taskset: which('taskset'), ...pythonInfo() };
  const guardMs = opts.quick ? 60_000 : 600_000;
  const rows = [];
  const t0 = Date.now();
  for (const w of WORKLOADS) {
    if (opts.only && !opts.only.includes(w.id)) continue;
    const cases = await w.cases(ctx);
    const runnable = [];
    for (const c of cases) {
      if (c.skip || !c.cmd) {
        rows.push({ ...c, note: c.skip });
        process.stderr.write(`- ${c.workload} | ${c.system}: ${c.skip}\n`);
        continue;
      }
      const row = { ...c, values: [], rss: [], cold: [], error: undefined };
      rows.push(row);
      runnable.push(row);
    }
    // Round-robin: run i of every system of a workload before run i + 1, so a slow
    // phase of the machine (this VM's speed drifts by 20% over tens of seconds) lands on
    // all of a workload's systems alike instead of on whichever ran then.
    for (let i = 0; i < opts.runs; i++) {
      for (const row of runnable) {
        if (row.error) continue;
        const r = await runOnce(row.cmd, guardMs);
        if (r.error) {
          row.error = r.error;
          continue;
        }
        row.values.push(r.value);
        if (r.rssKB) row.rss.push(r.rssKB);
        if (typeof r.cold === 'number') row.cold.push(r.cold);
      }
    }
    for (const row of runnable) {
      const { values, rss, cold, error } = row;
      delete row.rss;
      delete row.cold;
      if (values.length && !error) {
        row.median = median(values);
        row.min = Math.min(...values);
        row.max = Math.max(...values);
        row.rssMB = rss.length ? Math.max(...rss) / 1024 : undefined;
        // Cases that warm up report their first, cold run too: shown, not ranked.
        if (cold.length) {
          row.note = [row.note, `cold first run: ${fmt(median(cold))} ${row.unit}`]
            .filter(Boolean)
            .join('; ');
        }
      } else {
        delete row.median;
      }
      process.stderr.write(
        `${error ? 'x' : '+'} ${row.workload} | ${row.system}: ${error ?? `${fmt(row.median)} ${row.unit}`}\n`,
      );
    }
  }

  // Ratio to the best anchor measured in this run, per workload and per
  // pinned/unpinned: value / best. Lower-is-better units: < 1 beats it.
  for (const row of rows) {
    if (row.median === undefined) continue;
    const anchors = rows.filter(
      (r) =>
        r.workload === row.workload && !!r.pinned === !!row.pinned && !r.multiproc && r.median !== undefined,
    );
    if (!anchors.length) continue;
    const best = anchors.reduce((a, b) =>
      (row.better === 'lower' ? b.median < a.median : b.median > a.median) ? b : a,
    );
    row.ratio = row.median / best.median;
    row.bestAnchor = best.system;
    if (row.compareTo) {
      const ref = rows.find((r) => r.workload === row.workload && r.system === row.compareTo && r.median);
      if (ref)
        row.note = [row.note, `${(row.median / ref.median).toFixed(2)}x ${ref.system}`]
          .filter(Boolean)
          .join('; ');
    }
  }

  const lines = [];
  lines.push(`# multiproc bench${opts.quick ? ' (--quick: smoke sizes, numbers not judged)' : ''}`);
  lines.push('');
  lines.push(`- date: ${new Date().toISOString()}; wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  lines.push(
    `- node ${process.version} (${process.platform} ${process.arch}); cpus: ${os.availableParallelism?.() ?? os.cpus().length} (${os.cpus()[0]?.model ?? '?'})`,
  );
  lines.push(
    `- NODE_EXTRA_CA_CERTS: ${process.env.NODE_EXTRA_CA_CERTS ? 'SET (adds ~60 ms to every Node start; applies to every Node row alike)' : 'not set'}`,
  );
  lines.push(
    `- python3: ${ctx.pythonVersion ?? 'not found (Python anchors skipped)'}; taskset: ${ctx.taskset ? 'yes (latency rows also pinned with taskset -c 0)' : 'not found (pinned rows skipped)'}`,
  );
  lines.push(
    `- runs per system: ${opts.runs}, each in its own child process, round-robin over a workload's systems; median/min/max over runs`,
  );
  lines.push(
    '- ratio = median / median of the best anchor (non-multiproc row) of the same workload in this run, pinned vs pinned; for ms/us units lower is better, for rates higher is better',
  );
  lines.push("- peak RSS = max over runs of the measuring (parent) process's maxRSS");
  lines.push('');
  lines.push(
    '| workload | system | median | min | max | unit | n | ratio to best anchor | peak RSS MB | notes |',
  );
  lines.push('|---|---|--:|--:|--:|---|--:|--:|--:|---|');
  for (const r of rows) {
    const ratio =
      r.ratio === undefined ? '' : r.ratio === 1 && !r.multiproc ? '1.00 (best)' : r.ratio.toFixed(2);
    const note = (r.error ? `ERROR ${r.error}` : (r.note ?? '')).replaceAll('|', '\\|').slice(0, 300);
    lines.push(
      `| ${r.workload} | ${r.system} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.unit} | ${r.values?.length ?? 0} | ${ratio} | ${r.rssMB ? r.rssMB.toFixed(0) : ''} | ${note} |`,
    );
  }
  const md = lines.join('\n') + '\n';
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(dir + 'latest.md', md);
  process.stdout.write(`\n${md}`);
  const errors = rows.filter((r) => r.error);
  if (errors.length) {
    console.error(`${errors.length} case(s) failed to run (see ERROR notes)`);
    process.exitCode = 1;
  }
}

await main();
