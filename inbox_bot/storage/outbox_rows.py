"""The outbox table: every message inbox-bot sends is a row here first. The states are `core.states.OutboxState`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox_bot.core.states import OutboxState
from inbox_bot.storage.counts import tallied
from inbox_bot.storage.rows import decoded, iso, utc_now

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store
    from inbox_bot.storage.transaction import Transaction

LISTED = (
    "id, mail_id, kind, call, organisation, applicant, rcpt, message_id, subject, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at, updated_at"
)


@dataclass(frozen=True)
class ReplyRow:
    """A reply rendered before its mail is recorded; queued in the mail's unit of work."""

    row: dict[str, Any]  # the outbox columns but mail_id
    window: timedelta  # no second reply of this kind to this applicant for this call within it
    now: datetime
    once: bool = False  # no second reply of this kind to this applicant for this call, ever (a thread with us)


def enqueue(store: Store, row: dict[str, Any], now: datetime | None = None) -> int | None:
    """Queue one message; None when a message with the same Message-ID is already there (it is not queued again)."""
    stamp = iso(now or utc_now())
    values = {"mail_id": None, "call": None, "organisation": None, "applicant": None, **row}
    values |= {"rcpt": json.dumps(row["rcpt"]), "state": OutboxState.QUEUED.value, "attempts": 0}
    values |= {"next_attempt_at": stamp, "created_at": stamp, "updated_at": stamp}
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    with store.transaction():
        cursor = store.db.execute(
            f"insert into outbox ({columns}) values ({marks}) on conflict do nothing",  # noqa: S608 (our own names)
            list(values.values()),
        )
    return int(cursor.lastrowid) if cursor.rowcount == 1 and cursor.lastrowid else None


def queue_reply(tx: Transaction, mail_id: int, reply: ReplyRow) -> int | None:
    row = {**reply.row, "mail_id": mail_id}
    since = "" if reply.once else iso(reply.now - reply.window)
    recent = tx.db.execute(
        "select id from outbox where call = ? and applicant = ? and kind = ? and created_at > ? limit 1",
        [row["call"], row["applicant"], row["kind"], since],
    ).fetchone()
    if recent is not None:
        within = "already" if reply.once else f"within {reply.window}"
        reason = f"a {row['kind']} reply already went to this sender for this call ({within})"
        tx.add_event(mail_id, "reply_skipped", {"kind": row["kind"], "reason": reason})
        return None
    outbox_id = enqueue(tx.store, row, reply.now)
    tx.add_event(mail_id, "reply_queued", {"kind": row["kind"], "outbox_id": outbox_id})
    return outbox_id


def sent_message_ids(store: Store, message_ids: Sequence[str]) -> set[str]:
    """Which of these Message-IDs are of messages inbox-bot queued (the outbox keeps every one it ever made)."""
    found: set[str] = set()
    for start in range(0, len(message_ids), 500):  # SQLite's limit on bound parameters
        chunk = list(message_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        sql = f"select message_id from outbox where message_id in ({marks})"  # noqa: S608 (placeholders only)
        found |= {str(r["message_id"]) for r in store.db.query(sql, chunk)}
    return found


def claimed_before(store: Store, cutoff: datetime) -> list[int]:
    rows = store.db.query(
        "select id from outbox where state = ? and claimed_at <= ?", [OutboxState.SENDING.value, iso(cutoff)]
    )
    return [int(r["id"]) for r in rows]


def state_of(store: Store, outbox_id: int) -> OutboxState | None:
    row = store.db.execute("select state from outbox where id = ?", [outbox_id]).fetchone()
    return OutboxState(row[0]) if row is not None else None


def counts(store: Store) -> dict[OutboxState, int]:
    found = {state: 0 for state in OutboxState}
    for state, _, n in tallied(store, "outbox"):
        found[OutboxState(state)] = n
    return found


def counts_listed(store: Store) -> list[dict[str, Any]]:
    """(state, n) rows in order of state, as `status` shows them."""
    return [{"state": state, "n": n} for state, _, n in tallied(store, "outbox")]


def listing(store: Store, states: Sequence[str]) -> list[dict[str, Any]]:
    """Rows in these states, oldest first, without the message bytes; `rcpt` as stored, for display."""
    marks = ", ".join("?" for _ in states)
    sql = f"select {LISTED} from outbox where state in ({marks}) order by id"  # noqa: S608 (placeholders only)
    return list(store.db.query(sql, list(states)))


def for_digest(
    store: Store, kinds: Sequence[str], calls: Sequence[str] | None, since_at: str
) -> dict[str, list[dict[str, Any]]]:
    """Rows of these kinds (and calls), decoded: sent and failed since a time, unknown and waiting whenever queued."""
    scope = f"kind in ({', '.join('?' for _ in kinds)})"
    params: list[str] = list(kinds)
    if calls is not None:
        scope += f" and call in ({', '.join('?' for _ in calls)})"
        params += calls

    def select(condition: str, *values: str) -> list[dict[str, Any]]:
        sql = f"select * from outbox where {scope} and {condition} order by id"  # noqa: S608 (placeholders only)
        return [decoded(r) for r in store.db.query(sql, [*params, *values])]

    return {
        "sent": select("state = 'sent' and sent_at > ?", since_at),
        "failed": select("state = 'failed' and updated_at > ?", since_at),
        "unknown": select("state = 'unknown'"),
        "waiting": select("state = 'queued'"),
    }


def due(store: Store, now: datetime, limit: int) -> list[dict[str, Any]]:
    rows = store.db.query(
        "select * from outbox where state = ? and next_attempt_at <= ? order by id limit ?",
        [OutboxState.QUEUED.value, iso(now), limit],
    )
    return [decoded(r) for r in rows]


def claim(store: Store, outbox_id: int, now: datetime) -> bool:
    # Committed before the SMTP transaction starts: a crash from here on leaves the row in `sending`.
    with store.transaction():
        cursor = store.db.execute(
            "update outbox set state = ?, claimed_at = ?, updated_at = ? where id = ? and state = ?",
            [OutboxState.SENDING.value, iso(now), iso(utc_now()), outbox_id, OutboxState.QUEUED.value],
        )
    return cursor.rowcount == 1


def set_values(store: Store, outbox_id: int, **values: Any) -> None:
    values["updated_at"] = utc_now().isoformat()
    assignments = ", ".join(f"{column} = ?" for column in values)
    with store.transaction():
        store.db.execute(f"update outbox set {assignments} where id = ?", [*values.values(), outbox_id])  # noqa: S608
