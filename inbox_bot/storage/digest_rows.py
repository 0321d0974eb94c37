"""What the digest reads (mails since the last digest, held and withheld ones, counts) and the digests sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inbox_bot.storage import counts
from inbox_bot.storage.rows import decoded

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


@dataclass(frozen=True)
class LastDigest:
    last_mail_id: int
    created_at: str
    recorded_at: str


def last_digest(store: Store, organisation: str) -> LastDigest | None:
    row = store.db.execute(
        "select last_mail_id, created_at, recorded_at from digests where organisation = ? order by id desc limit 1",
        [organisation],
    ).fetchone()
    return LastDigest(row[0], row[1], row[2]) if row is not None else None


def top_mail_id(store: Store) -> int:
    return int(store.db.execute("select coalesce(max(id), 0) from mails").fetchone()[0])


def new_mails(store: Store, since_mail_id: int, since_recorded: str, last_mail_id: int) -> list[dict[str, Any]]:
    # By id, and by time for an id a purge freed and a later mail took again: one indexed search each (an OR
    # of the two reads every mail); the unary + keeps `id <= ?` from leading the second.
    rows = store.db.query(
        "select * from mails where id in (select id from mails where id > ? and id <= ? union "
        "select id from mails where recorded_at > ? and +id <= ?) and verdict != 'ignored' order by id",
        [since_mail_id, last_mail_id, since_recorded, last_mail_id],
    )
    return [decoded(r) for r in rows]


def application_id(store: Store, call: str, sender: str | None) -> int | None:
    """The first mail's id of this applicant's application to this call, which makes its ID (A17).

    One applicant's rows through (call, sender): a digest asks for the few it shows, never every application.
    """
    row = store.db.execute("select min(id) from mails where call = ? and sender is ?", [call, sender]).fetchone()
    return int(row[0]) if row[0] is not None else None


def withheld(store: Store, mail_ids: Sequence[int]) -> set[int]:
    """Which of these mails had their reply withheld for a person to look at."""
    if not mail_ids:
        return set()
    marks = ", ".join("?" for _ in mail_ids)
    # By the mails' ids (+kind: not by the kind, whose rows grow with the store).
    sql = f"select mail_id from events where +kind = 'reply_withheld' and mail_id in ({marks})"  # noqa: S608
    return {int(r["mail_id"]) for r in store.db.query(sql, list(mail_ids))}


def late_of(store: Store, calls: Sequence[str], limit: int) -> list[dict[str, Any]]:
    if not calls:
        return []
    marks = ", ".join("?" for _ in calls)
    sql = f"select * from mails where verdict = 'late' and call in ({marks}) order by received_at limit ?"  # noqa: S608
    return [decoded(r) for r in store.db.query(sql, [*calls, limit])]


def verdict_counts(store: Store, call: str) -> dict[str, int]:
    return counts.verdicts_of_call(store, call)


def last_digest_at(store: Store, organisation: str) -> str | None:
    row = store.db.execute(
        "select created_at from digests where organisation = ? order by id desc limit 1", [organisation]
    ).fetchone()
    return str(row[0]) if row is not None else None


def add_digest(store: Store, row: dict[str, Any]) -> None:
    store.db.table("digests").insert(row)
