"""A store of years of mail (10,000 or 100,000 mails), and the operator's queries timed on it (issue #16).

The store is what years of triage would leave: calls of CALL_SIZE mails each, one after the other, the two
open OMP calls last; applicants who write once or twice; a decision event, a receipt in the outbox and a
ledger row per mail; now and then a person's override; a digest sent a day's mail ago. Rows go in through
`inbox_bot.storage.bulk` (writing 100,000 mails one unit of work at a time, files and all, takes many minutes);
the raw files are a few real mails shared by all rows, which is all the digest reads of them.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from benchmarks import report
from inbox_bot.config.settings import Settings, load_settings
from inbox_bot.core.models import Rule
from inbox_bot.operator.applications import applications
from inbox_bot.operator.status import status_report
from inbox_bot.outgoing import digest
from inbox_bot.rules.loader import load_rules
from inbox_bot.storage import bulk, plans
from inbox_bot.storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
OPEN_CALLS = ("omp-charge-projet-2026", "omp-cabinet-2026")
OMP = "Observatoire Marocain des Prisons (OMP)"
OMP_ADDRESS = "omdp.direction.2@gmail.com"
CALL_SIZE = 2000  # mails per call: a store grows by calls, not by the size of one call
NEW_SINCE_DIGEST = 200  # mails recorded since the last digest: a day's mail
LAST_RECEIVED = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=50)  # 100,000 mails: about ten years
VERDICTS = (("complete", 60), ("incomplete", 24), ("late", 5), ("duplicate", 4), ("needs_review", 2),
            ("ignored", 5))  # fmt: skip
KINDS = ("cv", "cover_letter", "references", "diploma")
Query = Callable[[Store, Settings, dict[str, Rule]], object]


# ---------------------------------------------------------------- the store


def config(folder: Path) -> Path:
    path = folder / "inbox-bot.toml"
    path.write_text(
        f'rules_dir = "{ROOT / "rules"}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n\n'
        f'[digest]\nsend_empty = true\n\n[[digest.organisations]]\nname = "{OMP}"\nto = ["direction@omp.example"]\n',
        encoding="utf-8",
    )
    return path


def generate(store: Store, n: int, seed: int, call_size: int = CALL_SIZE) -> None:
    """n mails with their documents, events, receipts, ledger rows, overrides and the last digest."""
    raws = [_raw_file(store, to) for to in (OMP_ADDRESS, "contact@elsewhere.example")]
    rows = list(_mails(n, random.Random(seed), raws, call_size))
    with store.transaction():
        bulk.insert_rows(store, "mails", rows)
        bulk.insert_rows(store, "documents", (d for m in rows for d in _documents(m)))
        bulk.insert_rows(store, "events", (_event(m) for m in rows))
        bulk.insert_rows(store, "outbox", (_receipt(m) for m in rows if m["call"] is not None))
        bulk.insert_rows(store, "ledger", (_ledger(m) for m in rows))
        bulk.insert_rows(store, "overrides", (_override(m) for m in rows if m["id"] % 500 == 0))
        last = rows[-NEW_SINCE_DIGEST - 1]
        bulk.insert_rows(store, "digests", [{"organisation": OMP, "created_at": last["recorded_at"],
                                             "recorded_at": last["recorded_at"], "since_mail_id": 0,
                                             "last_mail_id": last["id"], "outbox_id": None, "empty": 0}])  # fmt: skip


def _raw_file(store: Store, to: str) -> str:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Applicant <applicant@example.ma>", to, "Candidature"
    message.set_content("Bonjour, veuillez trouver ci-joint ma candidature.")
    content = message.as_bytes()
    return store.put_file("raw", hashlib.sha256(content).hexdigest(), content)


def _call_of(i: int, n: int, call_size: int) -> str:
    current = n - len(OPEN_CALLS) * call_size
    return f"archive-{i // call_size:03d}" if i < current else OPEN_CALLS[i % len(OPEN_CALLS)]


def _mails(n: int, rng: random.Random, raws: list[str], call_size: int) -> Iterator[dict[str, Any]]:
    verdicts, weights = zip(*VERDICTS, strict=True)
    for i in range(n):
        received = LAST_RECEIVED - (n - i) * STEP
        unmatched = rng.random() < 0.05
        verdict = "unmatched" if unmatched else rng.choices(verdicts, weights)[0]
        yield {
            "id": i + 1, "sha256": hashlib.sha256(f"generated mail {i}".encode()).hexdigest(), "source": f"gen:{i}",
            "file": f"{i}.eml", "message_id": f"<{i}@example.ma>", "sender": f"a{rng.randrange(call_size)}@example.ma",
            "sender_name": "Applicant", "subject": "Candidature", "received_at": received.isoformat(),
            "received_source": "received_header", "call": None if unmatched else _call_of(i, n, call_size),
            "verdict": verdict,
            "missing": '["references"]' if verdict == "incomplete" else "[]", "reasons": '["generated"]',
            "raw_path": raws[1 if unmatched else 0], "size": 2000,
            "recorded_at": (received + timedelta(minutes=1)).isoformat(),
        }  # fmt: skip


def _documents(mail: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for k in range(2 + mail["id"] % 2):
        sha = hashlib.sha256(f"document {mail['id']} {k}".encode()).hexdigest()
        yield {"mail_id": mail["id"], "filename": f"{KINDS[k]}.pdf", "safe_name": f"{KINDS[k]}.pdf", "kind": KINDS[k],
               "mime": "application/pdf", "size": 50_000, "sha256": sha, "pages": 1, "reasons": "[]"}  # fmt: skip


def _event(mail: dict[str, Any]) -> dict[str, Any]:
    kind = "reply_withheld" if mail["verdict"] == "needs_review" else "decision"
    return {"mail_id": mail["id"], "at": mail["recorded_at"], "kind": kind, "detail": '{"generated": true}'}


def _receipt(mail: dict[str, Any]) -> dict[str, Any]:
    return {"mail_id": mail["id"], "kind": "receipt", "call": mail["call"], "organisation": OMP,
            "applicant": mail["sender"], "mail_from": "", "rcpt": f'["{mail["sender"]}"]',
            "message_id": f"<reply-{mail['id']}@omp.example>", "subject": "Accusé de réception",
            "message": b"Accuse de reception", "state": "sent", "attempts": 1, "created_at": mail["recorded_at"],
            "sent_at": mail["recorded_at"], "updated_at": mail["recorded_at"]}  # fmt: skip


def _ledger(mail: dict[str, Any]) -> dict[str, Any]:
    return {"mailbox": "omp", "folder": "INBOX", "uidvalidity": 1, "uid": mail["id"], "sha256": mail["sha256"],
            "message_id": mail["message_id"], "size": mail["size"], "internaldate": mail["received_at"],
            "mail_id": mail["id"], "state": "filed", "seen_at": mail["recorded_at"],
            "filed_at": mail["recorded_at"]}  # fmt: skip


def _override(mail: dict[str, Any]) -> dict[str, Any]:
    return {"mail_id": mail["id"], "call": mail["call"], "applicant": mail["sender"], "field": "verdict",
            "value": "complete", "note": "vu", "at": mail["recorded_at"]}  # fmt: skip


# ---------------------------------------------------------------- the queries


def _list_call(store: Store, settings: Settings, rules: dict[str, Rule]) -> object:
    # What `list --call` reads: the call's mails in order, and each one's documents.
    return [(row, store.documents(row["id"])) for row in store.mails(call=OPEN_CALLS[0])]


QUERIES: dict[str, Query] = {
    "list --call": _list_call,
    "applications --call": lambda store, settings, rules: applications(store, call=OPEN_CALLS[0]),
    "applications": lambda store, settings, rules: applications(store, calls=list(rules)),  # the rules in force
    "applications --all": lambda store, settings, rules: applications(store),
    "status": lambda store, settings, rules: status_report(store, list(rules)),  # as the command: the rules in force
    "digest (built, not sent)": lambda store, settings, rules: digest.preview(
        store, settings, rules, OMP, now=LAST_RECEIVED
    ),
}
BOUNDED = report.BOUNDED  # the queries the issue sets targets for


def open_generated(
    folder: Path, n: int, seed: int, call_size: int = CALL_SIZE
) -> tuple[Store, Settings, dict[str, Rule]]:
    """A store of n generated mails in `folder`, with the settings and rules the queries need."""
    store, settings, rules = open_store(folder)
    generate(store, n, seed, call_size)
    return store, settings, rules


def open_store(folder: Path) -> tuple[Store, Settings, dict[str, Rule]]:
    settings = load_settings(config(folder))
    return Store(settings.database, settings.storage), settings, load_rules(settings.rules_dir)


def build(folder: Path, n: int, seed: int, call_size: int = CALL_SIZE) -> dict[str, Any]:
    started = time.perf_counter()
    store, _, _ = open_generated(folder, n, seed, call_size)
    store.close()
    return {"mails": n, "build_seconds": time.perf_counter() - started}


def measure(
    folders: dict[str, Path], budget: float = 1.0, least: int = 7, most: int = 1000
) -> dict[str, dict[str, Any]]:
    """Each query's median and best time on each store over many runs, and the plans of the statements it ran.

    A query runs as often as fits in about `budget` seconds per size (at least `least` times, at most `most`):
    a status of a fraction of a millisecond is timed over hundreds of runs, so its ratio is not one run's
    noise. The stores take turns, query by query and run by run, so that a load that comes and goes on a
    shared machine weighs on both sizes alike: their ratio is what is compared, not their absolute times.
    """
    opened = {size: open_store(folder) for size, folder in folders.items()}
    try:
        seconds: dict[str, dict[str, list[float]]] = {size: {name: [] for name in QUERIES} for size in opened}
        found_plans: dict[str, dict[str, dict[str, list[str]]]] = {size: {} for size in opened}
        for name, query in QUERIES.items():
            first = 0.0
            for size, (store, settings, rules) in opened.items():
                with plans.statements(store) as ran:
                    begun = time.perf_counter()
                    query(store, settings, rules)  # also warms the store's pages, as a second command would find them
                    first = max(first, time.perf_counter() - begun)
                found_plans[size][name] = {sql: plans.plan(store, sql) for sql in plans.reads(ran)}
            for _ in range(min(most, max(least, int(budget / max(first, 1e-6))))):
                for size, (store, settings, rules) in opened.items():
                    begun = time.perf_counter()
                    query(store, settings, rules)
                    seconds[size][name].append(time.perf_counter() - begun)
    finally:
        for store, _, _ in opened.values():
            store.close()
    return {
        size: {"seconds": {name: statistics.median(runs) for name, runs in seconds[size].items()},
               "best": {name: min(runs) for name, runs in seconds[size].items()},
               "runs": {name: len(runs) for name, runs in seconds[size].items()},
               "plans": found_plans[size]}
        for size in opened
    }  # fmt: skip
