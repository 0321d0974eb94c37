"""What each mailbox is failing to do now: its poll (`mailbox_health`), its filing and its sending.

A failure is kept from the first time an action fails (`since`, the episode's start: the alert is sent once per
episode) until that action succeeds again; the error and its cause are the latest. A mailbox whose poll fails is
`failing` (nothing comes in); one whose filing or sending fails is `degraded` (mail comes in, something else
waits); otherwise `ok`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from inbox_bot.core.reasons import Action, Cause
from inbox_bot.storage.rows import utc_now

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

__all__ = ["Problem", "State", "cleared", "failed", "mailbox_of_mail", "problems", "state_of"]

State = Literal["ok", "degraded", "failing"]


@dataclass(frozen=True)
class Problem:
    """One action a mailbox fails at, since when, and why (the latest error)."""

    mailbox: str
    action: Action
    cause: Cause
    error: str
    since: datetime
    last_at: datetime
    failures: int
    folder: str | None = None


def failed(
    store: Store, mailbox: str, action: Action, *, cause: Cause, error: str, folder: str | None = None
) -> None:
    """One more failure of `action`: the episode starts now unless one is already running."""
    stamp = utc_now().isoformat()
    with store.transaction():
        store.db.execute(
            "insert into mailbox_failures (mailbox, action, cause, error, folder, since, last_at) "
            "values (?, ?, ?, ?, ?, ?, ?) on conflict (mailbox, action) do update set cause = excluded.cause, "
            "error = excluded.error, folder = excluded.folder, last_at = excluded.last_at, failures = failures + 1",
            [mailbox, action.value, cause.value, error[:1000], folder, stamp, stamp],
        )


def cleared(store: Store, mailbox: str, action: Action) -> None:
    """`action` succeeded: the episode is over (the next failure starts a new one, and a new alert)."""
    if _any(store, mailbox, action):
        with store.transaction():
            store.db.execute(
                "delete from mailbox_failures where mailbox = ? and action = ?", [mailbox, action.value]
            )


def _any(store: Store, mailbox: str, action: Action) -> bool:
    # Read first: a success is the usual case, and a read takes no write lock from the other jobs' connections.
    found = store.db.execute(
        "select 1 from mailbox_failures where mailbox = ? and action = ?", [mailbox, action.value]
    ).fetchone()
    return found is not None


def problems(store: Store) -> dict[str, list[Problem]]:
    """Each mailbox's current failures, its poll's first, then filing, then sending."""
    found: dict[str, list[Problem]] = {}
    if store.db.table("mailbox_health").exists():
        for row in store.db.query(
            "select mailbox, folder, cause, last_error, failing_since, last_error_at, failures from mailbox_health "
            "where failing_since is not null order by mailbox"
        ):
            since = datetime.fromisoformat(str(row["failing_since"]))
            last = datetime.fromisoformat(str(row["last_error_at"] or row["failing_since"]))
            problem = Problem(
                str(row["mailbox"]), Action.POLL, _cause(row["cause"]), str(row["last_error"] or ""), since, last,
                int(row["failures"] or 0),
            )  # fmt: skip
            found.setdefault(problem.mailbox, []).append(problem)
    order = {action: n for n, action in enumerate(Action)}
    for row in store.db.query("select * from mailbox_failures order by mailbox"):
        problem = Problem(
            str(row["mailbox"]), Action(row["action"]), _cause(row["cause"]), str(row["error"]),
            datetime.fromisoformat(str(row["since"])), datetime.fromisoformat(str(row["last_at"])),
            int(row["failures"]), row["folder"],
        )  # fmt: skip
        found.setdefault(problem.mailbox, []).append(problem)
    return {box: sorted(found[box], key=lambda p: order[p.action]) for box in found}


def state_of(found: list[Problem]) -> State:
    if any(p.action is Action.POLL for p in found):
        return "failing"
    return "degraded" if found else "ok"


def mailbox_of_mail(store: Store, mail_id: int | None) -> str | None:
    """The IMAP mailbox a mail came in through (None for folder sources, digests and alerts)."""
    if mail_id is None:
        return None
    row = store.db.execute("select mailbox from ledger where mail_id = ? limit 1", [mail_id]).fetchone()
    return str(row[0]) if row else None


def _cause(value: object) -> Cause:
    try:
        return Cause(str(value))
    except ValueError:
        return Cause.OTHER
