"""Measuring inside a phase's process: memory high-water marks and where the time of a run went.

Peak memory is read from Linux's VmHWM, which `/proc/<pid>/clear_refs` can reset: a phase resets it after its
warm-up, so the peak is that of the measured work alone, not of the imports before it. inbox-bot extracts text
in a worker process (inbox_bot.triage.sandbox), so memory is counted over the phase's whole process tree: the sum of
each process's peak, which is at least the tree's peak and never hides the worker's share.
"""

from __future__ import annotations

import functools
import os
import resource
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

PROC = Path("/proc")


def _status_kib(field: str, pid: int | str = "self") -> int | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_bytes() -> int:
    """Resident memory now."""
    kib = _status_kib("VmRSS")
    if kib is None:
        raise RuntimeError("the memory probes need Linux's /proc/self/status")
    return kib * 1024


def peak_bytes() -> int:
    """Peak resident memory since the process started, or since the last reset_peak()."""
    kib = _status_kib("VmHWM")
    if kib is None:  # ru_maxrss is in KiB on Linux
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024


def reset_peak(pid: int | str = "self") -> bool:
    """Start the high-water mark again from the current RSS (Linux 4.0+); False where that is refused."""
    try:
        (PROC / str(pid) / "clear_refs").write_text("5")
    except OSError:
        return False
    return True


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command (which is in parentheses and may hold spaces): the
    state first, then the parent's pid...; None when the process ended meanwhile."""
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants() -> list[int]:
    """The processes this one started, and theirs (the extraction worker)."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := stat_fields(entry.name)) is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [os.getpid()]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def tree_rss_bytes() -> int:
    return rss_bytes() + sum(1024 * (_status_kib("VmRSS", pid) or 0) for pid in descendants())


def tree_peak_bytes() -> int:
    return peak_bytes() + sum(1024 * (_status_kib("VmHWM", pid) or 0) for pid in descendants())


def reset_tree_peak() -> bool:
    done = reset_peak()
    for pid in descendants():
        done = reset_peak(pid) and done
    return done


class Clock:
    """Time spent in wrapped functions, by label. The cost of a wrapper (a microsecond) is noise here."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.missing: list[str] = []  # labels whose function was not found: the code moved on, say so
        self._lock = threading.Lock()  # mails are read ahead in threads (inbox_bot.daemon.readahead)

    def add(self, label: str, started: float) -> None:
        spent = time.perf_counter() - started
        with self._lock:
            self.seconds[label] += spent
            self.calls[label] += 1

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Replace owner.name by a timed version: a module's global is looked up at each call, so this works
        for functions a module imported by name too. A name that is gone is listed in `missing`."""
        original: Callable[..., Any] | None = getattr(owner, name, None)
        if original is None:
            self.missing.append(label)
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(label, started)

        setattr(owner, name, timed)

    def wrap_iterator(self, owner: Any, name: str, label: str) -> None:
        """Time each step of a generator (a FETCH of bodies is made while the caller iterates)."""
        original: Callable[..., Iterator[Any]] | None = getattr(owner, name, None)
        if original is None:
            self.missing.append(label)
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Iterator[Any]:
            iterator = original(*args, **kwargs)
            while True:
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    self.add(label, started)
                    return
                self.add(label, started)
                yield item

        setattr(owner, name, timed)


class TimedModule:
    """Stands for a module whose functions the caller reaches as `module.function` (python-magic's)."""

    def __init__(self, module: Any, clock: Clock, label: str, names: tuple[str, ...]) -> None:
        self._module = module
        for name in names:
            setattr(self, name, getattr(module, name))
            clock.wrap(self, name, label)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)
