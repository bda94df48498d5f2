/** Number of CPUs this process may use (at least 1). */
export function cpuCount(): number {
  return Math.max(1, process.getBuiltinModule('node:os').availableParallelism());
}
