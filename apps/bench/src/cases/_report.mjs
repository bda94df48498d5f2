// Shared by every case script: print one RESULT line the harness parses.
// value is the measured number in the row's unit; rssKB is this process's
// peak RSS (the "parent" of the system under test).
export function report(value, extra = {}) {
  const rssKB = process.resourceUsage().maxRSS;
  process.stdout.write(`RESULT ${JSON.stringify({ value, rssKB, ...extra })}\n`);
}

export function params() {
  return JSON.parse(process.argv[2] ?? '{}');
}

/** Kill a child by pid, ignoring one that is already gone. */
export function killPid(pid) {
  if (!pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
}
