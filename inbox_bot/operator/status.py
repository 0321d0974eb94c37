"""What `status` shows: mailbox health, counts per call and verdict, the outbox, the rules in force."""

from __future__ import annotations

import json
from typing import Any

from inbox_bot.storage.ledger import health, ledger_counts
from inbox_bot.storage.store import Store


def status_report(store: Store) -> dict[str, Any]:
    return {
        "mailboxes": health(store),
        "ledger": ledger_counts(store),
        "counts": list(
            store.db.query(
                "select coalesce(call, '-') as call, verdict, count(*) as n from mails group by call, verdict "
                "order by call, verdict"
            )
        ),
        "outbox": _outbox(store),
        "rules": _rules_state(store),
    }


def _outbox(store: Store) -> list[dict[str, Any]]:
    if not store.db.table("outbox").exists():
        return []
    return list(store.db.query("select state, count(*) as n from outbox group by state order by state"))


def _rules_state(store: Store) -> dict[str, Any] | None:
    rows = list(store.db.query("select at, detail from events where kind = 'rules' order by id desc limit 1"))
    if not rows:
        return None
    detail = json.loads(rows[0]["detail"])
    return {"at": rows[0]["at"], **detail}
