"""What `status` shows: mailbox health, counts per call and verdict, the outbox, the rules in force."""

from __future__ import annotations

from typing import Any

from inbox_bot.storage import counts, outbox_rows
from inbox_bot.storage.ledger import health, ledger_counts
from inbox_bot.storage.store import Store


def status_report(store: Store) -> dict[str, Any]:
    return {
        "mailboxes": health(store),
        "ledger": ledger_counts(store),
        "counts": counts.per_call_and_verdict(store),
        "outbox": outbox_rows.counts_listed(store),
        "rules": _rules_state(store),
    }


def _rules_state(store: Store) -> dict[str, Any] | None:
    event = counts.last_rules_event(store)
    if event is None:
        return None
    return {"at": event["at"], **event["detail"]}
