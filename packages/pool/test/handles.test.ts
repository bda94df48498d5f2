import { Event } from '@multiproc/event';
import { afterEach, describe, expect, it } from 'vitest';
import { echo, eventAB, eventWait } from './fixtures/tasks.mjs';
import { cleanup, pool, range } from './helpers.js';

afterEach(cleanup);

describe('multiproc handles as task arguments and results (Python cannot pass an Event to a Pool task)', () => {
  it('seed 003-F: Pool(3) and an Event alternate A/B in waves over 9 items', async () => {
    const p = pool({ processes: 3 });
    await p.whenReady();
    const event = new Event();
    await event.set();
    const out = (await p.starmap(
      eventAB,
      range(9).map((i) => [event, i]),
    )) as string[];
    // The exact split depends on timing (reference §4, 003-F: 'alternates by waves, 9 lines');
    // on an idle machine it is AAABBBAAA. What must hold: every item once, in order, the Event
    // seen set by the first task and its changes seen by later ones.
    expect(out).toHaveLength(9);
    expect(out.map((s) => Number(s.slice(1)))).toEqual(range(9));
    expect(out[0]![0]).toBe('A');
    expect(out.some((s) => s[0] === 'B')).toBe(true);
  });

  it('workers wait on an Event that this process sets', async () => {
    const p = pool({ processes: 2 });
    const event = new Event();
    const waiting = range(4).map(() => p.applyAsync(eventWait, [event]));
    await p.whenReady();
    expect(waiting.some((r) => r.ready())).toBe(false);
    await event.set();
    const pids = await Promise.all(waiting.map((r) => r.get()));
    expect(pids.every((pid) => pid > 0)).toBe(true);
  });

  it('an Event comes back as a task result and still works', async () => {
    const p = pool({ processes: 1 });
    const event = new Event();
    const back = (await p.apply(echo, [event])) as Event;
    await back.set();
    expect(await event.isSet()).toBe(true);
  });
});
