"""What else the machine was doing while the benchmark ran, from /proc.

The benchmark runs on shared machines, so its figures mean little without the load beside them.
``HostLoad`` samples once a second in a thread: the machine's busy CPU time (``/proc/stat``: user,
nice, system, irq, softirq, steal) and the CPU time of this benchmark's own process tree (the
runner, the servers it started and their workers: descendants of this process, or members of a
process group one of them led, so that orphaned query workers still count as ours). Other
processes' CPU time is the machine's busy time minus ours, which also counts processes that were
born and died between two samples (so a child of ours that lives less than one interval counts as
another process's: the servers and workers measured here live for minutes). ``mark()`` returns
the figures since start (or since the previous mark), and the load averages at both ends.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_ticks() -> tuple[int, int]:
    """(busy, steal) clock ticks summed over all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal, steal


def _processes() -> dict[int, tuple[int, int, int, int]]:
    """pid -> (ppid, pgrp, start tick, user + system ticks) of every visible process."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:  # gone since the listing
            continue
        rest = raw[raw.rfind(")") + 2 :].split()
        # After the command: state ppid pgrp session … utime(11) stime(12) … starttime(19)
        out[int(entry.name)] = (int(rest[1]), int(rest[2]), int(rest[19]), int(rest[11]) + int(rest[12]))
    return out


class HostLoad:
    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.root = os.getpid()
        self._ours_pgrps: set[int] = set()
        self._seen: dict[int, tuple[int, int]] = {}  # pid -> (start tick, ticks counted so far)
        self._ours_ticks = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since: dict | None = None
        self.available = Path("/proc/stat").exists()

    def _uptime_ticks(self) -> int:
        return int(float(Path("/proc/uptime").read_text().split()[0]) * TICK)

    def _sample(self) -> None:
        procs = _processes()
        ours: set[int] = set()
        for pid, (_, pgrp, _, _) in procs.items():
            chain, p = [], pid
            while p and p not in ours and p != self.root and p in procs and len(chain) < 64:
                chain.append(p)
                p = procs[p][0]
            if p == self.root or p in ours:
                ours.update(chain)
                ours.add(pid)
            elif pgrp in self._ours_pgrps:  # an orphan of a server we started
                ours.add(pid)
        for pid in ours:
            self._ours_pgrps.add(procs[pid][1])
        with self._lock:
            for pid in ours:
                _, _, start, ticks = procs[pid]
                seen = self._seen.get(pid)
                if seen is None or seen[0] != start:  # new (or a recycled pid)
                    base = 0 if start >= self._born else ticks
                    seen = (start, base)
                self._ours_ticks += ticks - seen[1]
                self._seen[pid] = (start, ticks)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._sample()
            except (OSError, ValueError, IndexError):  # a process vanished mid-read: next sample
                continue

    def _now(self) -> dict:
        busy, steal = _machine_ticks()
        with self._lock:
            ours = self._ours_ticks
        return {"t": time.monotonic(), "busy": busy, "steal": steal, "ours": ours, "load": os.getloadavg()}

    def start(self) -> HostLoad:
        if not self.available:
            return self
        self._born = self._uptime_ticks()
        self._sample()
        self._ours_ticks = 0  # what our processes had used before the start is not in the window
        self._since = self._now()
        self._thread = threading.Thread(target=self._loop, name="hostload", daemon=True)
        self._thread.start()
        return self

    def mark(self) -> dict:
        """CPU use since the start or the previous mark: wall seconds, CPU seconds of the whole
        machine, of this benchmark and of everything else, and the cores' worth that other
        processes kept busy on average."""
        if not self.available or self._since is None:
            return {"error": "no /proc on this system"}
        with contextlib.suppress(OSError, ValueError, IndexError):
            self._sample()
        now, then = self._now(), self._since
        self._since = now
        wall = max(1e-9, now["t"] - then["t"])
        busy = (now["busy"] - then["busy"]) / TICK
        ours = min(busy, (now["ours"] - then["ours"]) / TICK)
        others = max(0.0, busy - ours)
        return {
            "wall_s": round(wall, 1),
            "cores": os.cpu_count(),
            "machine_cpu_s": round(busy, 1),
            "bench_cpu_s": round(ours, 1),
            "other_cpu_s": round(others, 1),
            "other_cores_avg": round(others / wall, 2),
            "steal_s": round((now["steal"] - then["steal"]) / TICK, 1),
            "loadavg_start": [round(x, 2) for x in then["load"]],
            "loadavg_end": [round(x, 2) for x in now["load"]],
        }

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def describe(m: dict | None) -> str:
    """One sentence for the report."""
    if not m or "error" in m:
        return f"other CPU load not measured ({(m or {}).get('error', 'not run')})"
    return (
        f"other processes used {m['other_cpu_s']:.0f} CPU-s in {m['wall_s']:.0f} s "
        f"(≈ {m['other_cores_avg']:.2f} of {m['cores']} cores; this benchmark {m['bench_cpu_s']:.0f} CPU-s"
        + (f", steal {m['steal_s']:.0f} s" if m.get("steal_s") else "")
        + f"); load average {m['loadavg_start'][0]:.2f} at start, {m['loadavg_end'][0]:.2f} at end"
    )
