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
    rows = store.mails(call=call)
    if not rows and call not in rules:
        raise UsageError(f"no call {call!r}, in the rules or in the store", fix="see `inbox-bot rules check`")
    by_sender: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_sender[row["sender"]].append(row)
    return PurgePlan(
        call=call,
        mail_ids=[int(r["id"]) for r in rows],
        files=_files_only_this_call_uses(store, call),
        mail_counts=dict(Counter(r["verdict"] for r in rows)),
        application_counts=dict(Counter(summarise(m, set())["verdict"] for m in by_sender.values())),
        kept_until=_kept_until(store, rules.get(call), retention),
    )


def _kept_until(store: Store, rule: Rule | None, retention: RetentionSettings) -> datetime | None:
    if rule is None:
        return None
    ends = [rule.deadline.closes_at()]
    ends += [
        datetime.fromisoformat(r["until"])
        for r in store.db.query("select until from extensions where call = ?", [rule.id])
    ]
    return max(ends) + timedelta(days=retention.days_after_deadline)


def _files_only_this_call_uses(store: Store, call: str) -> list[str]:
    # A file sent by two applicants (or to two calls) is stored once: it stays while another mail uses it.
    raws = store.db.query(
        "select raw_path as path from mails m where m.call = ? and not exists "
        "(select 1 from mails o where o.raw_path = m.raw_path and o.call is not ?)",
        [call, call],
    )
    documents = store.db.query(
        "select distinct d.path from documents d join mails m on m.id = d.mail_id where m.call = ? "
        "and d.path is not null and not exists (select 1 from documents o join mails om on om.id = o.mail_id "
        "where o.sha256 = d.sha256 and om.call is not ?)",
        [call, call],
    )
    return sorted({r["path"] for r in raws} | {r["path"] for r in documents})


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
    store.db.execute("PRAGMA secure_delete = ON")
    with store.transaction():
        _delete_rows(store, found)
        if keep_counts:
            _keep_counts(store, found)
        store.add_event(
            None,
            "purge",
            {"call": found.call, "mails": len(found.mail_ids), "files": len(found.files), "counts_kept": keep_counts},
        )
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# Rows kept, links to the person cleared: the IMAP ledger is the poll's memory of the UIDs it has read; without
# its rows the next poll would read the purged mails from the server again.
UNLINK_ONLY = {"ledger": ("mail_id", "message_id", "sha256", "error")}


def _delete_rows(store: Store, found: PurgePlan) -> None:
    ids = found.mail_ids
    marks = ",".join("?" * len(ids))
    if ids:
        for table, columns in _tables_with_mail_id(store).items():
            if table in UNLINK_ONLY:
                cleared = ", ".join(f"[{c}] = null" for c in UNLINK_ONLY[table] if c in columns)
                store.db.execute(f"update [{table}] set {cleared} where mail_id in ({marks})", ids)  # noqa: S608
            else:  # documents, events, overrides, replies in the outbox... whatever names these mails
                store.db.execute(f"delete from [{table}] where mail_id in ({marks})", ids)  # noqa: S608
        store.db.execute(f"delete from mails where id in ({marks})", ids)  # noqa: S608
    # Extensions and their events name applicants and carry free notes.
    store.db.execute("delete from extensions where call = ?", [found.call])
    store.db.execute("delete from events where mail_id is null and json_extract(detail, '$.call') = ?", [found.call])


def _tables_with_mail_id(store: Store) -> dict[str, set[str]]:
    found = {t.name: set(t.columns_dict) for t in store.db.tables if t.name != "mails"}
    return {name: columns for name, columns in sorted(found.items()) if "mail_id" in columns}


def _keep_counts(store: Store, found: PurgePlan) -> None:
    at = utc_now().isoformat()
    verdicts = sorted(set(found.mail_counts) | set(found.application_counts))
    store.table("purged_counts").insert_all(
        {
            "call": found.call,
            "verdict": v,
            "mails": found.mail_counts.get(v, 0),
            "applications": found.application_counts.get(v, 0),
            "purged_at": at,
        }
        for v in verdicts
    )
