"""W1 anchor: sequential Process start+join of a no-op -> ms/process."""
import multiprocessing as mp
import time

from _report import params, report


def noop():
    pass


if __name__ == "__main__":
    p = params()
    ctx = mp.get_context(p["method"])
    count = p["count"]
    t0 = time.perf_counter()
    for _ in range(count):
        proc = ctx.Process(target=noop)
        proc.start()
        proc.join()
    report((time.perf_counter() - t0) * 1000 / count)
