"""What `status` shows: mailbox health, counts per call and verdict, the outbox, the rules in force.

Each mailbox has a `state`: `failing` when its poll fails, `degraded` when its filing, sending or IDLE fails, else
`ok`; and its `problems`: what fails (poll, filing, sending, push), since when, the error, the cause and its fix.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from inbox_bot.core.reasons import Action
from inbox_bot.core.wording import action_label, hint
from inbox_bot.storage import counts, failures, outbox_rows
from inbox_bot.storage.ledger import health, ledger_counts
from inbox_bot.storage.store import Store


def status_report(store: Store, calls: Collection[str] | None = None) -> dict[str, Any]:
    """With `calls` (the rules in force), the mails of other calls are counted as one line per verdict."""
    return {
        "mailboxes": _with_backlog(store, health(store)),
        "ledger": ledger_counts(store),
        "counts": counts.per_call_and_verdict(store, calls),
        "outbox": outbox_rows.counts_listed(store),
        "rules": _rules_state(store),
    }


def _with_backlog(store: Store, boxes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each mailbox's health, with how many of its mails were taken in without a reply (the backlog)."""
    unanswered = counts.taken_in_without_reply(store)
    found = failures.problems(store)
    return [
        {
            **box,
            "unanswered": unanswered.get(str(box["mailbox"]), 0),
            "state": failures.state_of(found.get(str(box["mailbox"]), [])),
            "problems": [_problem(p) for p in found.get(str(box["mailbox"]), [])],
        }
        for box in boxes
    ]


def _problem(problem: failures.Problem) -> dict[str, Any]:
    """Codes for scripts (action, cause), the words a person reads (what, fix: French, as reasons are)."""
    return {
        "action": problem.action.value,
        "what": action_label(problem.action),
        "cause": problem.cause.value,
        "error": problem.error,
        "folder": problem.folder,
        "since": problem.since.isoformat(),
        "last_at": problem.last_at.isoformat(),
        "failures": problem.failures,
        "fix": hint(problem.cause),
    }


def _rules_state(store: Store) -> dict[str, Any] | None:
    event = counts.last_rules_event(store)
    if event is None:
        return None
    return {"at": event["at"], **event["detail"]}


def sending_failed_since(store: Store, since: datetime) -> list[str]:
    """`run --once`: each mailbox whose replies failed since `since`, one line each (the run failed something)."""
    return [
        f"mailbox {p.mailbox}: sending failed: {p.error}"
        for found in failures.problems(store).values()
        for p in found
        if p.action is Action.SENDING and p.last_at >= since
    ]
