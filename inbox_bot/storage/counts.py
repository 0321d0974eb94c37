"""Counts and latest states for `status`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from inbox_bot.storage.rows import decoded

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def tallied(store: Store, noun: str) -> list[tuple[str, str, int]]:
    """(a, b, n) of one noun of the tallies the triggers keep (schema.m008), in order, zeros left out."""
    rows = store.db.execute("select a, b, n from tallies where noun = ? and n > 0 order by a, b", [noun])
    return [(str(a), str(b), int(n)) for a, b, n in rows.fetchall()]


OTHER_CALLS = "(other calls)"  # what `status` shows for the calls no rule in force names
UNMATCHED = "-"  # the tallies' name for the mails of no call


def per_call_and_verdict(store: Store, calls: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Mails per call and verdict: of every call, or of these calls and the unmatched, the others summed as
    OTHER_CALLS per verdict (read from the verdicts' tally, so the years of closed calls are never read)."""
    if calls is None:
        return [{"call": call, "verdict": verdict, "n": n} for call, verdict, n in tallied(store, "mails")]
    shown = sorted({*calls, UNMATCHED})
    marks = ", ".join("?" for _ in shown)
    sql = f"select a, b, n from tallies where noun = 'mails' and a in ({marks}) and n > 0 order by a, b"  # noqa: S608
    rows = [(str(a), str(b), int(n)) for a, b, n in store.db.execute(sql, shown).fetchall()]
    others = Counter({verdict: n for verdict, _, n in tallied(store, "verdicts")})
    for _, verdict, n in rows:
        others[verdict] -= n
    found = [{"call": call, "verdict": verdict, "n": n} for call, verdict, n in rows]
    return found + [{"call": OTHER_CALLS, "verdict": v, "n": n} for v, n in sorted(others.items()) if n > 0]


def calls_recorded(store: Store) -> set[str]:
    """The calls that have mails (from the tallies: no mail is read)."""
    return {call for call, _, _ in tallied(store, "mails") if call != UNMATCHED}


def verdicts_of_call(store: Store, call: str) -> dict[str, int]:
    rows = store.db.execute("select b, n from tallies where noun = 'mails' and a = ? and n > 0", [call])
    return {str(verdict): int(n) for verdict, n in rows.fetchall()}


def taken_in_without_reply(store: Store) -> dict[str, int]:
    """Per mailbox, how many mails were recorded as backlog (first contact, older than replies.max_age), unanswered."""
    if not store.db.table("ledger").exists():
        return {}
    rows = store.db.query(
        "select l.mailbox, count(distinct e.mail_id) as n from events e join ledger l on l.mail_id = e.mail_id "
        "where e.kind = 'reply_backlog' group by l.mailbox"
    )
    return {str(r["mailbox"]): int(r["n"]) for r in rows}


def last_rules_event(store: Store) -> dict[str, Any] | None:
    """The latest rules reload or error the daemon recorded, decoded; None when there was none."""
    rows = list(store.db.query("select at, detail from events where kind = 'rules' order by id desc limit 1"))
    return decoded(rows[0]) if rows else None
