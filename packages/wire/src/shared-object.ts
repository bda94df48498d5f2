import { type HandleRef, toHandle } from './handle-registry.js';

/**
 * Base class of every object that crosses a process boundary as a handle
 * (the codec recognises it with `instanceof`). Subclasses return where their
 * owner can be reached; the receiving side rebuilds a proxy from it.
 */
export abstract class SharedObject {
  abstract [toHandle](): HandleRef;
}

/** Will `value` travel as a handle? The codec decides with the same `instanceof` test. */
export function isShareable(value: unknown): value is SharedObject {
  return value instanceof SharedObject;
}
