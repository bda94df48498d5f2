import { InvalidArgumentError } from './errors.js';
import { markModuleLoaded } from './module-loader.js';

export const toHandle: unique symbol = Symbol.for('multiproc.toHandle');

/** What a shareable object turns into on the wire. */
export interface HandleRef {
  kind: string;
  /** Address of the host that owns the object. */
  address: string;
  id: number;
  /** Kind-specific extra data (must itself be encodable). */
  data?: unknown;
  /** URL of the module that registers `kind`; the receiver imports it before decoding. */
  module?: string;
}

export type HandleReviver = (ref: HandleRef) => unknown;

const kinds = new Map<string, HandleReviver>();

/**
 * Register how a kind of handle is rebuilt on the receiving side. Library
 * authors add their own primitives this way; a kind may be registered once.
 */
export function registerHandleKind(kind: string, moduleUrl: string, revive: HandleReviver): void {
  if (typeof kind !== 'string' || kind.length === 0)
    throw new InvalidArgumentError('kind must be a non-empty string');
  const existing = kinds.get(kind);
  if (existing !== undefined && existing !== revive) {
    throw new InvalidArgumentError(`handle kind '${kind}' is already registered`);
  }
  kinds.set(kind, revive);
  markModuleLoaded(moduleUrl);
}

export function reviverFor(kind: string): HandleReviver | undefined {
  return kinds.get(kind);
}
