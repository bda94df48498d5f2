/**
 * Keeps the event loop alive while something in this process waits.
 *
 * One ref-counted timer for the whole process: `hold()` refs it, the last
 * `release()` unrefs it again. An idle end never keeps a process alive; an
 * end waiting for its peer with data queued or a receive pending does.
 * (Requests to other hosts are held by wire's HostLink.)
 */
let holds = 0;
let keeper: NodeJS.Timeout | null = null;

export function hold(): void {
  if (holds++ === 0) {
    keeper ??= setInterval(() => {}, 2 ** 30);
    keeper.ref();
  }
}

export function release(): void {
  if (holds > 0 && --holds === 0) keeper?.unref();
}
