"""Several engines' training steps timed in alternating turns of the same run, each engine in one process kept warm.

Usage: step_turns.py --rounds R --steps N --engine NAME=COMMAND [--engine NAME=COMMAND ...]
Each COMMAND (run by sh, started in order, each once the one before it is ready) serves turns as scripts/turns.py
describes (`kiln bench --turns`, `jax_seed_step.py bench --turns`, `jax_run_stablehlo.py --turns`). Each round gives
every engine one turn of N steps, the order rotating by one engine per round. On a shared VM whose speed moves by tens
of percent for seconds at a time, engines timed one after another can land in different spells; turns put them all in
the same ones. Prints one JSON line: per engine its median ms/step and each round's.
"""
import argparse
import json
import statistics
import subprocess
import sys


def start(name, command):
    p = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("engine %s ended before it was ready (exit %s): %s" % (name, p.wait(), command))
        if line.strip() == "ready":
            return p
        sys.stderr.write("[%s] %s" % (name, line))


def turn(name, p, steps):
    p.stdin.write("%d\n" % steps)
    p.stdin.flush()
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("engine %s ended during a turn (exit %s)" % (name, p.wait()))
        try:
            return float(line)
        except ValueError:
            sys.stderr.write("[%s] %s" % (name, line))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, required=True, help="steps per turn")
    ap.add_argument("--engine", action="append", required=True, metavar="NAME=COMMAND")
    a = ap.parse_args()
    if a.rounds < 1 or a.steps < 1:
        ap.error("--rounds and --steps must be at least 1")
    names, commands = [], []
    for spec in a.engine:
        if "=" not in spec:
            ap.error("--engine takes NAME=COMMAND, got %r" % spec)
        name, command = spec.split("=", 1)
        names.append(name)
        commands.append(command)
    procs = []
    try:
        for name, command in zip(names, commands):
            procs.append(start(name, command))
        rounds = [[] for _ in names]
        for r in range(a.rounds):
            for j in range(len(names)):
                i = (r + j) % len(names)
                rounds[i].append(turn(names[i], procs[i], a.steps))
        for name, p in zip(names, procs):
            p.stdin.close()
            if p.wait() != 0:
                raise SystemExit("engine %s failed (exit %d)" % (name, p.returncode))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    print(json.dumps({"steps_per_turn": a.steps, "engines": [
        {"name": n, "ms_per_step": statistics.median(ms), "rounds_ms": ms} for n, ms in zip(names, rounds)]}))


if __name__ == "__main__":
    main()
