// A log call must never break the code that logs (a lifecycle message thrown
// out of process start would be worse than a lost line), so a failing handler
// or forwarder is reported the way Python's Handler.handleError does, and
// logging goes on.
export function guarded(call: () => void): void {
  try {
    call();
  } catch (err) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    try {
      process.stderr.write(`--- Logging error ---\n${detail}\n`);
    } catch {
      // stderr itself is gone: nothing left to report to.
    }
  }
}
