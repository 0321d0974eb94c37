"""How long a new mail waits: from the start of its APPEND to its row in SQLite, with IDLE and with polling alone.

Each mode runs `inbox-bot run` (the daemon, in a process of its own) on a fresh mailbox of the bench's Dovecot:
"idle" with the interval poll an hour away (only IDLE can record the mails in time), "poll" with `idle = false`
and a short interval. The same applications arrive in both, one at a time at random gaps (a seeded uniform draw,
so arrivals fall anywhere in the poll interval, as real mail does), over one IMAP connection kept open; a
sampler reads the `mails` table every few milliseconds and notes when each Message-ID appears. In the IDLE mode
a bare imapclient session waits in IDLE beside the daemon and notes when the server announces each mail: the
server's own share of the wait, the baseline the daemon's is read against.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.corpus import build_corpus

if TYPE_CHECKING:
    from benchmarks.run import Bench

SAMPLE_EVERY = 0.005  # seconds between looks at the mails table: the resolution of each figure
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


def latency(bench: Bench, mails: int, poll_seconds: float, mean_gap: float) -> dict[str, Any]:
    raws, _stats = build_corpus(mails, bench.plan.seed + 1)
    results = {}
    for mode in ("idle", "poll"):
        keys = 'poll_every = "1h"\n' if mode == "idle" else f'poll_every = "{poll_seconds:g}s"\nidle = false\n'
        results[mode] = _run_mode(bench, f"push_{mode}", keys, raws, mean_gap, mode == "idle")
    results["notified"] = results["idle"].pop("notified")
    return {"mails": mails, "poll_seconds": poll_seconds, "mean_gap": mean_gap, **results}


def _run_mode(bench: Bench, label: str, keys: str, raws: list[bytes], mean_gap: float, idle: bool) -> dict[str, Any]:
    user = bench.user(label)
    config = bench.config(label, user)
    with config.open("a", encoding="utf-8") as out:  # the mailbox's table is the file's last: these keys are its
        out.write(keys)
    database = config.parent / "var" / "db.sqlite"
    log_path = config.parent / "daemon.log"
    with log_path.open("wb") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "inbox_bot", "--config", str(config), "run"],
            env=bench.env, stdout=subprocess.DEVNULL, stderr=log,
        )
    starts: list[float] = []  # when each APPEND began, in order
    watcher = _Announced(bench, user, starts) if idle else None
    try:
        _wait_ready(database, log_path, idle)
        sent, seen = _deliver(bench, user, raws, database, mean_gap, starts)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(STOP_TIMEOUT)
        if watcher is not None:
            watcher.stop()
    waits = [seen[mid] - sent[mid] for mid in sent if mid in seen]
    if len(waits) != len(raws):
        raise RuntimeError(f"{label}: {len(waits)} of {len(raws)} mails recorded; see {log_path}")
    found: dict[str, Any] = dict(_figures(waits))
    if watcher is not None:
        announced = [watcher.times[k] - starts[k] for k in range(len(starts)) if k in watcher.times]
        if not announced:
            raise RuntimeError(f"{label}: the server announced none of {len(starts)} mails")
        found["notified"] = {**_figures(announced), "mails": len(announced)}
    return found


def _figures(waits: list[float]) -> dict[str, float]:
    ordered = sorted(waits)
    return {
        "p50": statistics.median(ordered),
        "p95": _percentile(ordered, 0.95),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


class _Announced:
    """A bare imapclient session in IDLE on the same INBOX: when the server announces the k-th mail.

    An EXISTS above the count known announces every mail whose APPEND began and that no EXISTS announced yet: the
    server may tell two mails in one, and the daemon's filing (EXPUNGE) runs between.
    """

    def __init__(self, bench: Bench, user: Any, starts: list[float]) -> None:
        from imapclient import IMAPClient

        self.client = IMAPClient(bench.server.host, port=bench.server.port, ssl=False, timeout=30)
        self.client._imap.debug = 0  # as the baseline phases do: no debug formatting of each response
        self.client.login(user.name, user.password)
        self.known = int(self.client.select_folder("INBOX", readonly=True)[b"EXISTS"])
        self.starts = starts
        self.times: dict[int, float] = {}
        self.done = threading.Event()
        self.client.idle()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.is_set():
            for response in self.client.idle_check(timeout=0.05):
                if len(response) > 1 and response[1] == b"EXISTS" and int(response[0]) > self.known:
                    now = time.perf_counter()
                    for k in range(len(self.times), len(self.starts)):
                        self.times[k] = now
                    self.known = int(response[0])
                elif len(response) > 1 and response[1] == b"EXPUNGE":
                    self.known -= 1  # the daemon files each mail away: the count falls

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self.client.idle_done()
        self.client.logout()


def _wait_ready(database: Path, log_path: Path, idle: bool) -> None:
    """The first poll is done (and IDLE waits, in that mode): from now on a mail is new mail."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        polled = database.exists() and _health_rows(database) > 0
        waiting = not idle or "waiting for new mail with IDLE" in log_path.read_text(errors="replace")
        if polled and waiting:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the daemon did not get ready: see {log_path}")


def _health_rows(database: Path) -> int:
    try:
        with sqlite3.connect(database) as db:
            return int(db.execute("select count(*) from mailbox_health").fetchone()[0])
    except sqlite3.OperationalError:  # the daemon has not made its tables yet
        return 0


def _deliver(
    bench: Bench, user: Any, raws: list[bytes], database: Path, mean_gap: float, starts: list[float]
) -> tuple[dict[str, float], dict[str, float]]:
    """APPEND each mail at random gaps while a sampler notes when each one is recorded."""
    rng = random.Random(bench.plan.seed)
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(database, seen, done), daemon=True)
    sampler.start()
    try:
        with bench.server.connect(user) as client:
            for raw in raws:
                time.sleep(rng.uniform(0, 2 * mean_gap))
                message_id = str(BytesHeaderParser().parsebytes(raw)["Message-ID"]).strip()
                sent[message_id] = time.perf_counter()
                starts.append(sent[message_id])
                client.append("INBOX", raw)
        deadline = time.monotonic() + READY_TIMEOUT
        while len(seen) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        sampler.join()
    return sent, seen


def _sample(database: Path, seen: dict[str, float], done: threading.Event) -> None:
    last = 0
    with sqlite3.connect(database) as db:
        while not done.is_set():
            rows = db.execute("select id, message_id from mails where id > ? order by id", [last]).fetchall()
            now = time.perf_counter()
            for mail_id, message_id in rows:
                seen.setdefault(str(message_id).strip(), now)
                last = max(last, int(mail_id))
            time.sleep(SAMPLE_EVERY)


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, round(share * len(values) + 0.5))
    return values[min(rank, len(values)) - 1]
