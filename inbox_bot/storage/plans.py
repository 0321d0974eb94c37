"""What SQLite does with the store's queries: every statement run in a block, and each one's query plan.

For the test that holds the operator's queries to their indexes (tests/test_query_plans.py) and for the plans
docs/benchmarks.md shows (benchmarks/scale.py). No ANALYZE is ever run, so a plan does not depend on the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

# Tables that grow with the mail; a plan may read the small ones (tallies, digests, mailbox_health...) whole.
BIG_TABLES = frozenset({"mails", "documents", "events", "outbox", "ledger", "overrides"})
_SCAN = re.compile(r"^SCAN (\w+)")
_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?\b")
_READING = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """Every statement the store's connection runs inside the block, its parameters written in (sqlite3's trace)."""
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        store.db.conn.set_trace_callback(None)


def plan(store: Store, sql: str) -> list[str]:
    """The lines of EXPLAIN QUERY PLAN for one statement with its values written in."""
    return [str(row[3]) for row in store.db.execute(f"explain query plan {sql}").fetchall()]


def reads(sqls: list[str]) -> list[str]:
    """The reading statements among these, one of each shape (the same but for their values), in order."""
    shapes: dict[str, str] = {}
    for sql in sqls:
        if _READING.match(sql):
            shapes.setdefault(shape(sql), sql)
    return list(shapes.values())


def shape(sql: str) -> str:
    """The statement with its values as `?`: what a query is, whatever it was asked about."""
    return _NUMBER.sub("?", _STRING.sub("?", sql))


def full_scans(store: Store, sql: str) -> list[str]:
    """The plan lines that read a whole big table: 'SCAN mails', 'SCAN d' for `documents d`, or through an index."""
    aliases = {alias: table for table in BIG_TABLES for alias in re.findall(rf"\b{table}\s+(?:as\s+)?(\w+)", sql, re.I)}
    found = []
    for line in plan(store, sql):
        scanned = _SCAN.match(line)
        if scanned and aliases.get(scanned.group(1), scanned.group(1)) in BIG_TABLES:
            found.append(line)
    return found
