"""The engine side of timed turns (scripts/step_turns.py hands them out): after its warm-up an engine prints `ready`,
then for each line N on standard input it runs N steps and prints their ms/step; end of input ends it. Kiln's side is
`kiln bench --turns`."""
import sys


def serve(run_steps):
    """run_steps(n) runs n steps, waits for the last, and returns the seconds they took."""
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            n = int(line)
        except ValueError:
            sys.exit("a turn is a number of steps, got %r" % line.strip())
        if n < 1:
            sys.exit("a turn is at least one step, got %d" % n)
        print("%.3f" % (run_steps(n) * 1e3 / n), flush=True)
