"""``python -m bench.profile``: where ``ccdkg serve`` spends its time under load.

Starts one ccdkg peer on synthetic data, drives it with the query mix at concurrency 8 (cold, so
the response cache does not hide the query path), and samples the server's whole process tree
(front process, query workers) with py-spy.  Prints the functions with the most samples, by own
time (the frame on top of the stack) and inclusive time (anywhere on the stack), per process role.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from bench.load import run_cell
from bench.mix import load_queries
from bench.peers import BIN, Ccdkg
from bench.synth import WORK, Shape, data_file

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def _frame_name(frame: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)"; keep function and file name.
    name, _, where = frame.partition(" (")
    file = where.rsplit("/", 1)[-1].split(":", 1)[0] if where else ""
    return f"{name} ({file})" if file else name


def summarize(raw: Path, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_frame_name(f) for f in stack.split(";")]
        total += n
        # The first frame is the process (py-spy --subprocesses names it "process 123:\"cmd\"").
        role = "query worker" if "_worker_main" in stack else "front process"
        own[f"[{role}] {frames[-1]}"] += n
        for f in set(frames[1:]):
            inclusive[f"[{role}] {f}"] += n
    lines = [f"{total} samples", "", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines += ["", "inclusive time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", choices=SIZES)
    parser.add_argument("--mode", default="memory", choices=["memory", "disk", "workers"])
    parser.add_argument(
        "--queries",
        default="point,ask,label-exact,describe",
        help="comma-separated query slugs to drive the server with",
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--warm", action="store_true", help="repeat one text per query (cache hits)")
    parser.add_argument("--idle", action="store_true", help="also sample threads that wait (wall time)")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    data = data_file(SIZES[args.size])
    shape = Shape(SIZES[args.size])
    wanted = args.queries.split(",")
    queries = [q for q in load_queries() if q.slug in wanted]
    work = WORK / "profile"
    running = Ccdkg(args.mode).start(data, work, limit=300)
    raw = work / "py-spy.txt"
    try:
        recorder = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(running.proc.pid),
                "--subprocesses",
                "--format",
                "raw",
                "--rate",
                "250",
                "--duration",
                str(int(args.seconds)),
                "--output",
                str(raw),
                *(["--idle"] if args.idle else ["--gil"]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        counts: dict[str, float] = {}

        def drive() -> None:
            per = args.seconds / len(queries)
            for q in queries:

                def make(n: int, q=q) -> tuple[str, str]:
                    return q.render(shape, 0 if args.warm else n, cold=not args.warm), q.accept

                cell = run_cell(running.url, make, concurrency=8, budget=per, timeout=20)
                counts[q.slug] = cell.rps

        driver = threading.Thread(target=drive)
        driver.start()
        driver.join()
        _, err = recorder.communicate(timeout=args.seconds + 30)
        if recorder.returncode != 0:
            print(f"py-spy failed: {err.strip()}", file=sys.stderr)
            return 1
    finally:
        running.stop()
    print("requests/s while profiled: " + ", ".join(f"{k} {v:.0f}" for k, v in counts.items()))
    print(summarize(raw, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
