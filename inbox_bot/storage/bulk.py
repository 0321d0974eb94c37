"""Rows written many at a time, for a generated store (benchmarks/scale.py): what years of triage would leave.

Only for a store built to be measured: it bypasses the unit of work's rules (files first, one mail at a time).
The schema's triggers still keep the tallies, as they do for rows the pipeline writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

TABLES = frozenset({"mails", "documents", "events", "outbox", "ledger", "overrides", "digests"})


def insert_rows(store: Store, table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Insert the rows in the caller's unit of work; their ids are given, so the caller can link rows."""
    if table not in TABLES:
        raise ValueError(f"{table!r} is not a table a generated store fills")
    store.db.table(table).insert_all(rows, batch_size=500)
