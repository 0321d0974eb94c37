"""Delete for good the personal data of a finished call (Moroccan law 09-08, GDPR: kept no longer than needed).

Gone: the call's mails (names, addresses, subjects, reasons), their documents, events, overrides, replies and
extensions, the raw mails and the stored files no remaining mail still uses. Kept: the IMAP ledger's rows, with
their links to the mail cleared, so the next poll does not fetch the purged mails again. Left, if asked:
anonymous counts per verdict. Files are deleted before the rows that name them, so a purge interrupted
half-way is finished by running it again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from inbox_bot.config.settings import RetentionSettings
from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import Rule
from inbox_bot.core.timezones import morocco_time
from inbox_bot.operator.applications import summarise
from inbox_bot.storage import extensions, mails, purging
from inbox_bot.storage.store import Store, utc_now

Track = Callable[[Sequence[str]], Iterable[str]]


@dataclass(frozen=True)
class PurgePlan:
    call: str
    mail_ids: list[int]
    files: list[str]  # paths relative to the storage folder
    mail_counts: dict[str, int]
    application_counts: dict[str, int]
    kept_until: datetime | None  # deadline (or latest extension) + retention; None when the rule is gone


def plan(store: Store, rules: Mapping[str, Rule], retention: RetentionSettings, call: str) -> PurgePlan:
    rows = mails.mails(store, call=call)
    if not rows and call not in rules:
        raise UsageError(f"no call {call!r}, in the rules or in the store", fix="see `inbox-bot rules check`")
    by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_sender[row["sender"]].append(row)
    return PurgePlan(
        call=call,
        mail_ids=[int(r["id"]) for r in rows],
        files=purging.files_only_this_call_uses(store, call),
        mail_counts=dict(Counter(r["verdict"] for r in rows)),
        application_counts=dict(Counter(summarise(m, set())["verdict"] for m in by_sender.values())),
        kept_until=_kept_until(store, rules.get(call), retention),
    )


def _kept_until(store: Store, rule: Rule | None, retention: RetentionSettings) -> datetime | None:
    if rule is None:
        return None
    ends = [rule.deadline.closes_at()]
    ends += extensions.ends(store, rule.id)
    return max(ends) + timedelta(days=retention.days_after_deadline)


def check_retention(found: PurgePlan, force: bool, now: datetime | None = None) -> None:
    if force:
        return
    if found.kept_until is None:
        raise UsageError(f"no rule for {found.call!r}, so its deadline is unknown", fix="check, then add --force")
    if (now or utc_now()) < found.kept_until:
        raise UsageError(
            f"{found.call} is kept until {morocco_time(found.kept_until).date().isoformat()} (deadline + retention)",
            fix="wait, or add --force if the data must go now",
        )


def purge(store: Store, found: PurgePlan, *, keep_counts: bool, track: Track = lambda paths: paths) -> None:
    for relative in track(found.files):
        (store.storage / relative).unlink(missing_ok=True)
    # secure_delete overwrites the deleted rows on disk; the checkpoint empties the WAL of their old copies.
    purging.secure_delete(store)
    with store.transaction() as tx:
        purging.delete_rows(store, found.call, found.mail_ids)
        if keep_counts:
            _keep_counts(store, found)
        tx.add_event(
            None,
            "purge",
            {"call": found.call, "mails": len(found.mail_ids), "files": len(found.files), "counts_kept": keep_counts},
        )
    purging.checkpoint(store)


def _keep_counts(store: Store, found: PurgePlan) -> None:
    at = utc_now().isoformat()
    verdicts = sorted(set(found.mail_counts) | set(found.application_counts))
    purging.keep_counts(
        store,
        [
            {
            "call": found.call,
            "verdict": v,
            "mails": found.mail_counts.get(v, 0),
            "applications": found.application_counts.get(v, 0),
            "purged_at": at,
        }
            for v in verdicts
        ],
    )
