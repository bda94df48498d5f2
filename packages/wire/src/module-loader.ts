/**
 * Handle kinds live in packages the receiver may never have imported (a task
 * typed with `import type { Queue }` imports nothing at run time). The sender
 * names the modules a message needs; the receiver imports them first.
 */
const loaded = new Set<string>();
const loading = new Map<string, Promise<void>>();

export function markModuleLoaded(url: string): void {
  loaded.add(url);
}

/** Resolves once every URL is imported; `null` when nothing needs importing. */
export function ensureModules(urls: Iterable<string>): Promise<void> | null {
  const waits: Promise<void>[] = [];
  for (const url of urls) {
    if (loaded.has(url)) continue;
    let p = loading.get(url);
    if (p === undefined) {
      p = import(url).then(
        () => {
          loaded.add(url);
        },
        () => {
          // The decode that follows reports the missing kind clearly.
          loaded.add(url);
        },
      );
      loading.set(url, p);
    }
    waits.push(p);
  }
  return waits.length === 0 ? null : Promise.all(waits).then(() => undefined);
}
