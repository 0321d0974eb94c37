"""What the benchmark reads from, or prepares in, an inbox-bot database."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from inbox_bot.core.states import LedgerState
from inbox_bot.storage.ledger import Ledger, SeenUid
from inbox_bot.storage.store import Store


def seed_ledger(var: Path, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> None:
    """The ledger of a mailbox whose mails were all read before (left in the inbox, as unmatched mail is).

    Triaging 20,000 mails only to measure a poll that then finds nothing new would take minutes; the ledger
    rows are what those polls would have left, written through the ledger's own API.
    """
    store = Store(var / "db.sqlite", var / "storage")
    try:
        ledger = Ledger(store, mailbox, "INBOX")
        with store.transaction():
            for uid in uids:
                ledger.add(SeenUid(uidvalidity, uid), state=LedgerState.LEFT, mail_id=None)
        ledger.poll_succeeded(uidvalidity, len(uids))
    finally:
        store.close()


def verdict_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        rows = db.execute("select verdict, count(*) from mails group by verdict order by verdict").fetchall()
    return {str(verdict): int(count) for verdict, count in rows}


def retriaged_count(database: Path, call: str) -> int:
    """The mails `retriage --call` takes: the call's, and those no call claimed."""
    with sqlite3.connect(database) as db:
        row = db.execute("select count(*) from mails where call = ? or call is null", [call]).fetchone()
    return int(row[0])
