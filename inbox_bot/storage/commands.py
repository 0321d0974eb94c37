"""A coordinator's command mails, one row per Message-ID, and the digests they answer (by Message-ID or subject)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from inbox_bot.storage.rows import as_json

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def known(store: Store, message_id: str) -> bool:
    """A command mail with this Message-ID came before (applied, or refused): it is not read again."""
    return store.db.execute("select 1 from commands where message_id = ?", [message_id]).fetchone() is not None


def add(store: Store, row: dict[str, Any]) -> bool:
    """Record a command mail; False when its Message-ID is already there (nothing is written)."""
    values = {**row, "outcomes": as_json(row["outcomes"])}
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    sql = f"insert into commands ({columns}) values ({marks}) on conflict do nothing"  # noqa: S608 (our own names)
    return store.db.execute(sql, list(values.values())).rowcount == 1


def digest_organisation(store: Store, message_ids: Sequence[str]) -> str | None:
    """The organisation whose digest (or confirmation of commands) one of these Message-IDs names; None when none
    is: she may answer the confirmation with more commands as she answers the digest."""
    for start in range(0, len(message_ids), 500):  # SQLite's limit on bound parameters
        chunk = list(message_ids[start : start + 500])
        marks = ", ".join("?" for _ in chunk)
        sql = (
            f"select organisation from outbox where message_id in ({marks}) "  # noqa: S608 (placeholders only)
            "and kind in ('digest', 'confirmation') limit 1"
        )
        row = store.db.execute(sql, chunk).fetchone()
        if row is not None:
            return str(row[0] or "")
    return None


def digest_organisation_by_subject(store: Store, subject: str) -> str | None:
    """The organisation of the latest digest sent with this subject (a reply that lost its In-Reply-To)."""
    row = store.db.execute(
        "select organisation from outbox where kind = 'digest' and subject = ? order by id desc limit 1", [subject]
    ).fetchone()
    return str(row[0] or "") if row is not None else None


def refused_since(store: Store, organisation: str, since: str) -> int:
    """Command mails refused for their sender, in this organisation's name, since `since` (ISO UTC)."""
    row = store.db.execute(
        "select count(*) from commands where organisation = ? and state = 'refused' and at >= ?", [organisation, since]
    ).fetchone()
    return int(row[0])


def finish(store: Store, message_id: str, state: str, outcomes: Sequence[dict[str, Any]]) -> None:
    """What became of a command mail's lines: `applied` (each line done or refused) or `refused` (its sender)."""
    store.db.execute(
        "update commands set state = ?, outcomes = ? where message_id = ?", [state, as_json(list(outcomes)), message_id]
    )
