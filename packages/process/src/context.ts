import { type StartMethod, startMethodFor } from './launcher.js';
import type { ProcessOptions } from './options.js';
import { Process } from './process.js';

/** Python's get_context(method): a `Process` class bound to one start method. */
export interface Context {
  readonly startMethod: StartMethod;
  readonly Process: typeof Process;
}

const contexts = new Map<StartMethod, Context>();

export function getContext(method?: StartMethod): Context {
  const startMethod = startMethodFor(method);
  let context = contexts.get(startMethod);
  if (context === undefined) {
    class ContextProcess extends Process {
      constructor(options: ProcessOptions = {}) {
        super({ startMethod, ...options });
      }
    }
    // Children of this class are named Process-N, as in Python.
    Object.defineProperty(ContextProcess, 'name', { value: 'Process' });
    context = { startMethod, Process: ContextProcess };
    contexts.set(startMethod, context);
  }
  return context;
}
