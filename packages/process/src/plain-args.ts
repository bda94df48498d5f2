/** Past this many values, args take the codec (a walk this long costs more than it saves). */
const MAX_VALUES = 1024;

/**
 * Whether Node's IPC channel (JSON) carries these args exactly, so they can
 * travel inside the start payload and the child never loads the codec
 * (msgpackr and most of wire: ~20 ms and a few MB of a start): strings,
 * booleans, null, finite numbers other than -0, and arrays and plain objects
 * of those. Anything else (undefined, NaN, BigInt, Date, Map, Buffer, class
 * instances, handles, sockets, holes, cycles, deep or large values) takes the
 * codec as before.
 */
export function isPlainJson(args: readonly unknown[]): boolean {
  const budget = { left: MAX_VALUES };
  return args.every((a) => plain(a, budget));
}

function plain(value: unknown, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) if (!(i in value) || !plain(value[i], budget)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key of Object.keys(value)) {
    if (!plain((value as Record<string, unknown>)[key], budget)) return false;
  }
  return true;
}
