"""The opening of a call's sealed envelopes: one event, recorded once, never undone.

Procurement opens technical and financial offers in two steps so that price cannot sway the technical marks:
until this event exists for a call, its sealed kinds stay out of every export, digest and `show`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from inbox_bot.core.models import DocumentKind, Rule
from inbox_bot.storage.rows import decoded

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

EVENT = "unseal"


@dataclass(frozen=True)
class Opening:
    """Who opened a call's sealed envelopes, when (aware, UTC) and why."""

    call: str
    at: datetime
    by: str
    note: str


def opening(store: Store, call: str) -> Opening | None:
    rows = store.db.query(
        "select at, detail from events where kind = ? and mail_id is null and json_extract(detail, '$.call') = ? "
        "order by id limit 1",
        [EVENT, call],
    )
    for row in map(decoded, rows):
        detail = row["detail"]
        return Opening(call=call, at=datetime.fromisoformat(row["at"]), by=detail["by"], note=detail["note"])
    return None


def open_envelopes(store: Store, call: str, by: str, note: str) -> tuple[Opening, bool]:
    """Record the opening; an opening already recorded stands (it cannot be undone or redone): (it, new?)."""
    with store.transaction() as tx:
        found = opening(store, call)
        if found is not None:
            return found, False
        tx.add_event(None, EVENT, {"call": call, "by": by, "note": note})
    recorded = opening(store, call)
    assert recorded is not None  # written just above, in the same connection
    return recorded, True


def closed_kinds(store: Store, rule: Rule | None) -> frozenset[DocumentKind]:
    """The kinds of a call still sealed: none once opened, none for a call that seals nothing."""
    if rule is None or not rule.sealed or opening(store, rule.id) is not None:
        return frozenset()
    return frozenset(rule.sealed)
