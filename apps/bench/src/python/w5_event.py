"""W5 anchor: mp.Event ping-pong between two processes -> us per
set->wake cycle (two wakes: there and back)."""
import multiprocessing as mp
import time

from _report import params, report


def pong(ping, pong_ev, n):
    for _ in range(n):
        ping.wait()
        ping.clear()
        pong_ev.set()


if __name__ == "__main__":
    p = params()
    ctx = mp.get_context("fork")
    n, warm = p["n"], p.get("warm", 0)
    a, b = ctx.Event(), ctx.Event()
    child = ctx.Process(target=pong, args=(a, b, warm + n))
    child.start()

    def cycles(count):
        for _ in range(count):
            a.set()
            b.wait()
            b.clear()

    try:
        cycles(warm)  # untimed, as the Node case
        t0 = time.perf_counter()
        cycles(n)
        report((time.perf_counter() - t0) * 1e6 / n)
    finally:
        child.join(5)
        if child.is_alive():
            child.kill()
