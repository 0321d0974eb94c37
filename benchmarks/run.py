"""How fast inbox-bot triages, against the limit: `.venv/bin/python -m benchmarks.run [--n 2000] [--quick]`.

In one run, against one real Dovecot on 127.0.0.1 serving one seeded corpus, each phase in a fresh process:
the baseline (imapclient + the standard library's email package), inbox-bot's `run --once`, `retriage --call`,
the baseline and `run --once` again on the corpus's scanned variant (phone photos and scanner PDFs: OCR), idle
polls of a small and a large folder, the memory one big mail costs, and the wait of a new mail from its
APPEND to its row in SQLite with IDLE and with polling alone (the daemon running). Ratios are computed within the run,
so they hold on any machine; docs/benchmarks.md says how to read them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Run as a module from the repository's root (`python -m benchmarks.run`), which puts the root on sys.path:
# tests/dovecot.py and tests/mailbuilder.py come from there.
from benchmarks import push, report, state
from benchmarks.corpus import (
    FIRST_RECEIVED,
    OFFICER_CALL,
    big_mail,
    build_corpus,
    received_at,
    small_mails,
    warm_mail,
)
from benchmarks.maildir import copy_maildir, deliver
from tests.dovecot import DovecotServer, MailUser, find_dovecot

ROOT = Path(__file__).resolve().parents[1]
MAILBOX = "omp"
PASSWORD_ENV = "INBOX_BOT_BENCH_PASSWORD_{}"  # noqa: S105 - the name of a variable, set to a throwaway password


@dataclass(frozen=True)
class Plan:
    n: int
    seed: int
    idle_sizes: tuple[int, int]
    idle_polls: int
    big_bytes: int
    quick: bool
    scale_sizes: tuple[int, int] = (10_000, 100_000)
    call_size: int = 2000  # mails per call in the generated stores
    profile: str | None = None
    push_mails: int = 50  # issue #11: p50 and p95 over at least 50 mails
    push_poll_seconds: float = 5.0  # the interval of the polling side of the comparison
    push_gap: float = 1.0  # mean seconds between two arrivals
    # The scanned variant of the corpus (issue #17): its mails, and the share of complete applications sent
    # from a phone (a photo and a scanner PDF each, read by OCR at a few seconds a page: hence fewer mails)
    ocr_n: int = 200
    ocr_share: float = 0.25
    # run --once and the baseline, measured this many times on copies of the corpus, in turns: one run of each
    # moves by a sixth on a shared machine, so a change smaller than that needs the median of several
    rounds: int = 1

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Plan:
        profile = str(args.profile.resolve()) if args.profile else None
        if args.quick:  # the smoke test: every phase, tiny sizes, a few seconds
            return cls(args.n or 12, args.seed, (100, 1000), 10, 2 * 1024 * 1024, True, (500, 1000), 100, profile,
                       push_mails=5, push_poll_seconds=1.0, push_gap=0.2, ocr_n=2, ocr_share=1.0,
                       rounds=args.rounds or 2)
        return cls(args.n or 2000, args.seed, (1000, 20000), 50, 25 * 1024 * 1024, False, profile=profile,
                   rounds=args.rounds or 1)

    def profile_path(self, phase: str) -> str | None:
        if self.profile is None:
            return None
        Path(self.profile).mkdir(parents=True, exist_ok=True)
        return str(Path(self.profile) / f"{phase}.txt")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=0, help="mails in the corpus (default 2000; 12 with --quick)")
    parser.add_argument("--seed", type=int, default=20260406, help="the corpus's random seed")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny sizes, every phase")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (databases, configs, logs)")
    parser.add_argument("--profile", type=Path, help="write pyinstrument reports of run --once and retriage here")
    parser.add_argument("--only", choices=sorted(PARTS), help="run this part alone (its rows only)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="measure run --once and the baseline this many times, in turns (default 1; 2 with "
                             "--quick): the time ratio is their median")
    return parser.parse_args(argv)


# ---------------------------------------------------------------- the bench's world


@contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix="inbox-bot-bench-"))
    try:
        yield work
    finally:
        if keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


@contextmanager
def dovecot() -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        raise SystemExit("dovecot is not installed: apt-get install dovecot-imapd")
    server = DovecotServer(binary)
    try:
        server.start()
        yield server
    finally:
        server.close()


class Bench:
    """The server, the work folder and the phases' processes."""

    def __init__(self, plan: Plan, server: DovecotServer, work: Path) -> None:
        self.plan = plan
        self.server = server
        self.work = work
        self.owner = (server.accounts.mail_uid, server.accounts.mail_gid)
        self.env = dict(os.environ)

    def user(self, label: str) -> MailUser:
        user = self.server.new_user()
        self.env[PASSWORD_ENV.format(label)] = user.password
        return user

    def imap_spec(self, label: str, user: MailUser) -> dict[str, Any]:
        return {"host": self.server.host, "port": self.server.port, "user": user.name,
                "password_env": PASSWORD_ENV.format(label)}

    def config(self, label: str, user: MailUser) -> Path:
        """An inbox-bot config for one mailbox of the test server (loopback, so clear text is allowed)."""
        folder = self.work / label
        folder.mkdir(exist_ok=True)
        path = folder / "inbox-bot.toml"
        path.write_text(
            f'rules_dir = "{ROOT / "rules"}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n\n'
            f'[[mailboxes]]\nname = "{MAILBOX}"\nhost = "{self.server.host}"\nport = {self.server.port}\n'
            f'security = "none"\nusername = "{user.name}"\npassword_env = "{PASSWORD_ENV.format(label)}"\n'
            'read_timeout = "300s"\n',
            encoding="utf-8",
        )
        return path

    def warm_index(self, user: MailUser) -> int:
        """Let Dovecot list the new files and give them UIDs before anything is timed; returns the count."""
        return len(self.server.uids(user, "INBOX"))

    def phase(self, name: str, spec: dict[str, Any]) -> dict[str, Any]:
        spec_path, result_path = self.work / f"{name}.spec.json", self.work / f"{name}.result.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        with (self.work / f"{name}.log").open("wb") as log:
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.phases", name.split(":")[0], str(spec_path), str(result_path)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, check=False,
            )
        if done.returncode != 0:
            tail = (self.work / f"{name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"phase {name} failed ({done.returncode}):\n{tail}")
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
        return result


# ---------------------------------------------------------------- the phases


def throughput(bench: Bench) -> dict[str, Any]:
    """The corpus fetched and parsed by the baseline, then triaged and re-triaged by inbox-bot."""
    started = time.perf_counter()
    raws, stats = build_corpus(bench.plan.n, bench.plan.seed)
    corpus = {"mails": stats.mails, "bytes": stats.bytes, "documents": stats.documents,
              "scenarios": stats.scenarios, "build_seconds": time.perf_counter() - started}
    # The baseline reads without changing its folder (a read-only SELECT, BODY.PEEK), so one copy of the corpus
    # serves every round; run --once files what it reads, so each round has a copy of its own, made just before
    # it, and a round's copy and stored files are deleted after it: every round starts with the same disk and
    # page cache (on this virtual machine, memory the guest never used costs more to fill).
    base_user = bench.user("main")
    mails = [(raw, received_at(position)) for position, raw in enumerate(raws)]
    deliver(bench.server.folder_dir(base_user, "INBOX"), mails, bench.owner, "corpus")
    del raws, mails
    if bench.warm_index(base_user) != stats.mails:
        raise RuntimeError("Dovecot does not list every mail of the corpus")
    rounds, found = [], {}
    for number in range(bench.plan.rounds):
        user = bench.user(f"triage{number + 1}")
        copy_maildir(bench.server.folder_dir(base_user, "INBOX"), bench.server.folder_dir(user, "INBOX"), bench.owner)
        if bench.warm_index(user) != stats.mails:
            raise RuntimeError("Dovecot does not list every mail of the corpus's copy")
        measured = _round(bench, number, base_user, user, stats.mails)
        rounds.append({"baseline": measured["baseline"]["seconds"], "triage": measured["triage"]["seconds"]})
        if number == 0:
            found = _first_round(bench, measured)
        if bench.plan.rounds > 1:
            shutil.rmtree(bench.server.folder_dir(user, "INBOX"), ignore_errors=True)
            shutil.rmtree(measured["config"].parent / "var" / "storage", ignore_errors=True)
    return {"corpus": corpus, **found, "rounds": rounds}


def _first_round(bench: Bench, measured: dict[str, Any]) -> dict[str, Any]:
    """The first round's figures, its verdicts, and the re-triage of a call on its store."""
    database = measured["config"].parent / "var" / "db.sqlite"
    verdicts = state.verdict_counts(database)  # run --once's, before the re-triage judges the call again
    again = bench.phase("retriage", {"config": str(measured["config"]), "call": OFFICER_CALL,
                                     "profile": bench.plan.profile_path("retriage")})
    again["mails"] = state.retriaged_count(database, OFFICER_CALL)
    return {"baseline": measured["baseline"], "triage": measured["triage"],
            "verdicts": verdicts, "retriage": again}


def _round(bench: Bench, number: int, base_user: MailUser, user: MailUser, mails: int) -> dict[str, Any]:
    """The baseline and run --once on copies of the corpus; every other round runs them the other way round,
    so that a machine growing busier or quieter over the run favours neither."""
    suffix = "" if number == 0 else f":{number + 1}"
    config = bench.config(f"triage{number + 1}", user)

    def baseline() -> dict[str, Any]:
        base = bench.phase(f"baseline{suffix}", bench.imap_spec("main", base_user))
        if base["mails"] != mails:  # a ratio against a baseline that read less would flatter us
            raise RuntimeError(f"the baseline read {base['mails']} mails of {mails}")
        return base

    def triage() -> dict[str, Any]:
        profile = bench.plan.profile_path("triage") if number == 0 else None
        triaged = bench.phase(f"triage{suffix}", {"config": str(config), "profile": profile})
        if triaged["exit_code"] != 0:
            raise RuntimeError(f"run --once failed: see {bench.work / f'triage{suffix}.log'}")
        return triaged

    if number % 2 == 0:
        base = baseline()
        return {"config": config, "baseline": base, "triage": triage()}
    triaged = triage()
    return {"config": config, "baseline": baseline(), "triage": triaged}


def scanned(bench: Bench) -> dict[str, Any]:
    """The scanned variant of the corpus: fetched and parsed by the baseline, then triaged by `run --once`, which
    reads its scans by OCR (the breakdown's "ocr": seconds, and pages read in `calls`)."""
    started = time.perf_counter()
    raws, stats = build_corpus(bench.plan.ocr_n, bench.plan.seed, scanned=bench.plan.ocr_share)
    corpus = {"mails": stats.mails, "bytes": stats.bytes, "documents": stats.documents, "scans": stats.scans,
              "scenarios": stats.scenarios, "build_seconds": time.perf_counter() - started}
    user = bench.user("ocr")
    deliver(bench.server.folder_dir(user, "INBOX"), [(raw, received_at(n)) for n, raw in enumerate(raws)],
            bench.owner, "scanned")
    del raws
    if bench.warm_index(user) != stats.mails:
        raise RuntimeError("Dovecot does not list every mail of the scanned corpus")
    base = bench.phase("baseline:ocr", bench.imap_spec("ocr", user))
    config = bench.config("ocr", user)
    triaged = bench.phase("triage:ocr", {"config": str(config), "profile": None})
    if triaged["exit_code"] != 0:
        raise RuntimeError(f"run --once failed: see {bench.work / 'triage:ocr.log'}")
    return {"corpus": corpus, "baseline": base, "triage": triaged,
            "verdicts": state.verdict_counts(config.parent / "var" / "db.sqlite")}


def idle_polls(bench: Bench) -> dict[str, Any]:
    """Idle polls of a folder of each size, measured in one process, taking turns (benchmarks.phases.idle)."""
    folders = {}
    for size in bench.plan.idle_sizes:
        label = f"idle{size}"
        user = bench.user(label)
        deliver(bench.server.folder_dir(user, "INBOX"), [(raw, FIRST_RECEIVED) for raw in small_mails(size, size)],
                bench.owner, label)
        config = bench.config(label, user)
        uids = bench.server.uids(user, "INBOX")
        state.seed_ledger(config.parent / "var", MAILBOX, bench.server.uidvalidity(user), uids)
        folders[str(size)] = {"config": str(config), "mailbox": MAILBOX}
    result: dict[str, Any] = bench.phase("idle", {"folders": folders, "polls": bench.plan.idle_polls})
    return result


def big_mail_memory(bench: Bench) -> dict[str, Any]:
    """Memory that one big mail adds: the standard library's parse alone, the baseline, inbox-bot's poll."""
    big, warm = bench.work / "big.eml", bench.work / "warm.eml"
    big.write_bytes(big_mail(bench.plan.big_bytes, bench.plan.seed))
    warm.write_bytes(warm_mail(bench.plan.seed))
    results = {"parse": bench.phase("big_parse", {"mail": str(big), "warm_mail": str(warm)})}
    base_user = bench.user("bigbase")
    deliver(bench.server.folder_dir(base_user, "INBOX"), [(warm.read_bytes(), FIRST_RECEIVED),
                                                          (big.read_bytes(), FIRST_RECEIVED)], bench.owner, "big")
    bench.warm_index(base_user)
    results["baseline"] = bench.phase("big_baseline", bench.imap_spec("bigbase", base_user))
    user = bench.user("big")
    deliver(bench.server.folder_dir(user, "INBOX"), [(warm.read_bytes(), FIRST_RECEIVED)], bench.owner, "warm")
    results["triage"] = bench.phase("big_triage", {
        "config": str(bench.config("big", user)), "mailbox": MAILBOX, "mail": str(big),
        "maildir": str(bench.server.folder_dir(user, "INBOX")), "uid": bench.owner[0], "gid": bench.owner[1],
        "received": FIRST_RECEIVED.isoformat(),
    })
    return results


def scale(bench: Bench) -> dict[str, Any]:
    """The operator's queries on generated stores of two sizes, each built in a process of its own, then timed
    in one process, the two sizes taking turns."""
    built, folders = {}, {}
    for size in bench.plan.scale_sizes:
        folder = bench.work / f"scale{size}"
        folder.mkdir()
        spec = {"folder": str(folder), "n": size, "seed": bench.plan.seed, "call_size": bench.plan.call_size}
        built[str(size)] = bench.phase(f"scale_build:{size}", spec)
        folders[str(size)] = str(folder)
    timed = bench.phase("scale", {"folders": folders, "budget": 0.05 if bench.plan.quick else 1.0})
    return {size: {**built[size], **timed[size]} for size in built}


def push_latency(bench: Bench) -> dict[str, Any]:
    plan = bench.plan
    return push.latency(bench, plan.push_mails, plan.push_poll_seconds, plan.push_gap)


# Each part of a run, in the order a full run measures them; `--only` runs one (e.g. `--only big`).
PARTS: dict[str, Callable[[Bench], dict[str, Any]]] = {
    "throughput": throughput, "ocr": scanned, "idle": idle_polls, "big": big_mail_memory, "scale": scale,
    "push": push_latency,
}


def run(plan: Plan, keep: bool, only: str | None = None) -> dict[str, Any]:
    with workspace(keep) as work, dovecot() as server:
        bench = Bench(plan, server, work)
        measured = {"plan": asdict(plan), "machine": report.machine(server.binary)}
        for name, part in PARTS.items():
            if only in (None, name):
                measured[name] = part(bench)
    return measured


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan.from_args(args)
    started = time.perf_counter()
    measured = run(plan, args.keep, args.only)
    measured["rows"] = report.rows(measured)
    measured["wall_seconds"] = time.perf_counter() - started
    print(report.render(measured))
    if args.json:
        args.json.write_text(json.dumps(measured, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
