// Re-exported so users can `instanceof`-check what this package throws without another import.
export { ConnectionClosedError, InvalidArgumentError, MultiprocError } from '@multiproc/wire';
export { EVENT_KIND, Event, type EventWaitOptions } from './event.js';
