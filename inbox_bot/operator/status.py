"""What `status` shows: mailbox health, counts per call and verdict, the outbox, the rules in force."""

from __future__ import annotations

from typing import Any

from inbox_bot.storage import counts, outbox_rows
from inbox_bot.storage.ledger import health, ledger_counts
from inbox_bot.storage.store import Store


def status_report(store: Store) -> dict[str, Any]:
    return {
        "mailboxes": _with_backlog(store, health(store)),
        "ledger": ledger_counts(store),
        "counts": counts.per_call_and_verdict(store),
        "outbox": outbox_rows.counts_listed(store),
        "rules": _rules_state(store),
    }


def _with_backlog(store: Store, boxes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each mailbox's health, with how many of its mails were taken in without a reply (the backlog)."""
    unanswered = counts.taken_in_without_reply(store)
    return [{**box, "unanswered": unanswered.get(str(box["mailbox"]), 0)} for box in boxes]


def _rules_state(store: Store) -> dict[str, Any] | None:
    event = counts.last_rules_event(store)
    if event is None:
        return None
    return {"at": event["at"], **event["detail"]}
