/** What holds data back until the end of the tick. */
export interface Flushable {
  flush(): void;
}

/** Stage 0: casts held by a link's batcher (they become frames); stage 1: frame writers (bytes). */
const held: [Set<Flushable>, Set<Flushable>] = [new Set(), new Set()];
let hooked = false;

/**
 * A process that calls process.exit() in the same tick as a send must not
 * lose it: held casts are turned into frames first, then every writer hands
 * its batch to the socket (libuv tries a write synchronously, so the bytes
 * reach the kernel when the socket is writable).
 */
function flushAll(): void {
  for (const stage of held) {
    for (const f of stage) {
      try {
        f.flush();
      } catch {
        // A closed link: nothing to save there; the others still get flushed.
      }
    }
  }
}

/** `f` holds data until it flushes; flush it at process exit if it is still holding. */
export function holdUntilFlushed(stage: 0 | 1, f: Flushable): void {
  held[stage].add(f);
  if (!hooked) {
    hooked = true;
    process.on('exit', flushAll);
  }
}

export function flushed(stage: 0 | 1, f: Flushable): void {
  held[stage].delete(f);
}
