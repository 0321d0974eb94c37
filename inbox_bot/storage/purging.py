"""Deleting a call's personal data for good: the rows, and what lets SQLite forget them on disk too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

# Rows kept, links to the person cleared: the IMAP ledger is the poll's memory of the UIDs it has read; without
# its rows the next poll would read the purged mails from the server again.
UNLINK_ONLY = {"ledger": ("mail_id", "message_id", "sha256", "error")}


def files_only_this_call_uses(store: Store, call: str) -> list[str]:
    # A file sent by two applicants (or to two calls) is stored once: it stays while another mail uses it.
    raws = store.db.query(
        "select raw_path as path from mails m where m.call = ? and not exists "
        "(select 1 from mails o where o.raw_path = m.raw_path and o.call is not ?)",
        [call, call],
    )
    documents = store.db.query(
        "select distinct d.path from documents d join mails m on m.id = d.mail_id where m.call = ? "
        "and d.path is not null and not exists (select 1 from documents o join mails om on om.id = o.mail_id "
        "where o.sha256 = d.sha256 and om.call is not ?)",
        [call, call],
    )
    return sorted({r["path"] for r in raws} | {r["path"] for r in documents})


def secure_delete(store: Store) -> None:
    """From now on on this connection, deleted rows are overwritten on disk."""
    store.db.execute("PRAGMA secure_delete = ON")


def checkpoint(store: Store) -> None:
    """Empty the WAL of the deleted rows' old copies."""
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def delete_rows(store: Store, call: str, ids: Sequence[int]) -> None:
    """The mails' rows and every row naming them (the ledger's only unlinked), the call's extensions and events."""
    marks = ",".join("?" * len(ids))
    if ids:
        for table, columns in _tables_with_mail_id(store).items():
            if table in UNLINK_ONLY:
                cleared = ", ".join(f"[{c}] = null" for c in UNLINK_ONLY[table] if c in columns)
                store.db.execute(f"update [{table}] set {cleared} where mail_id in ({marks})", ids)  # noqa: S608
            else:  # documents, events, overrides, replies in the outbox... whatever names these mails
                store.db.execute(f"delete from [{table}] where mail_id in ({marks})", ids)  # noqa: S608
        store.db.execute(f"delete from mails where id in ({marks})", ids)  # noqa: S608
    # Extensions and their events name applicants and carry free notes.
    store.db.execute("delete from extensions where call = ?", [call])
    store.db.execute("delete from events where mail_id is null and json_extract(detail, '$.call') = ?", [call])
    # What was read of a document is its text (a CV, an ID card read by OCR): it goes with the last mail that
    # carries that file. A file another mail still carries keeps its reading, as it keeps the file itself.
    store.db.execute(
        "delete from readings where not exists (select 1 from documents d where d.sha256 = readings.sha256)"
    )


def _tables_with_mail_id(store: Store) -> dict[str, set[str]]:
    found = {t.name: set(t.columns_dict) for t in store.db.tables if t.name != "mails"}
    return {name: columns for name, columns in sorted(found.items()) if "mail_id" in columns}


def keep_counts(store: Store, rows: list[dict[str, Any]]) -> None:
    store.db.table("purged_counts").insert_all(rows)
