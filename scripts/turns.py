"""The engine side of timed turns (scripts/step_turns.py hands them out): after its warm-up an engine prints `ready`,
then for each line N on standard input it runs N steps and prints their ms/step; end of input ends it. Kiln's side is
`kiln bench --turns`."""
import sys
import time


def serve(step, state, block):
    """step(state) -> (state, output) enqueues one step; block(output) waits for it. Steps of a turn are enqueued back
    to back and waited for at the last."""
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            n = int(line)
        except ValueError:
            sys.exit("a turn is a number of steps, got %r" % line.strip())
        if n < 1:
            sys.exit("a turn is at least one step, got %d" % n)
        t0 = time.perf_counter()
        for _ in range(n):
            state, out = step(state)
        block(out)
        print("%.3f" % ((time.perf_counter() - t0) * 1e3 / n), flush=True)


def median_ms(step, state, block, steps, repeats, first=0):
    """The other way to time an engine: step(state, i) -> (state, output) for i from `first`, `repeats` runs of
    `steps` steps each waited for at its end; returns (median ms per step, the state, the last output)."""
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for k in range(steps):
            state, out = step(state, first + k)
        block(out)
        runs.append((time.perf_counter() - t0) / steps)
    return sorted(runs)[len(runs) // 2] * 1e3, state, out
