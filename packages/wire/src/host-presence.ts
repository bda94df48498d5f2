/**
 * Whether this process has started its Host. Kept in the light `core` entry so a
 * package that loads the codec lazily (process) can ask without loading it: a parent
 * that never hosted a primitive has no links to drain when a child exits, and loading
 * msgpackr just to learn that cost the first warm start+join ~20 ms.
 */
let started = false;

/** @internal Called by Host's constructor. */
export function markHostStarted(): void {
  started = true;
}

/** True once a Host was created in this process (it may have closed since). */
export function hostStarted(): boolean {
  return started;
}
